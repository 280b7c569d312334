/* SPDX-License-Identifier: MIT */
/*
 * Error reporting: pf_strerror(), pf_last_error() and pf_version().
 * The library never prints; callers get a negative errno and, for bad
 * input, a sentence in a per-thread buffer (errno-like, so that no lock
 * and no allocation is needed to report an error).
 */
#include "error.h"

#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* 200 bytes holds the longest message we compose (two quoted names of
 * bounded length plus a sentence); longer names are cut with "...". */
static _Thread_local char last_error[200];

int pf__err(int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(last_error))
        memcpy(last_error + sizeof(last_error) - 4, "...", 4);
    return code;
}

const char *pf__last_error(void)
{
    return last_error;
}

const char *pf_last_error(void)
{
    return pf__last_error();
}

const char *pf_version(void)
{
    return PACKAGE_VERSION;
}

const char *pf__strerror(int err)
{
    const char *s = NULL;

    if (err == INT_MIN)
        return "Unknown error";
    if (err < 0)
        err = -err;
#ifdef HAVE_STRERRORDESC_NP
    /* glibc 2.32+: a static string, safe in any thread. */
    s = strerrordesc_np(err);
#else
    switch (err) {
    case 0:
        s = "Success";
        break;
    case EINVAL:
        s = "Invalid argument";
        break;
    case ENOMEM:
        s = "Cannot allocate memory";
        break;
    case EEXIST:
        s = "File exists";
        break;
    case ENOENT:
        s = "No such file or directory";
        break;
    case EIO:
        s = "Input/output error";
        break;
    case EACCES:
        s = "Permission denied";
        break;
    case ENOSPC:
        s = "No space left on device";
        break;
    case E2BIG:
        s = "Argument list too long";
        break;
    case ERANGE:
        s = "Numerical result out of range";
        break;
    default:
        break;
    }
#endif
    return s ? s : "Unknown error";
}

const char *pf_strerror(int err)
{
    return pf__strerror(err);
}
