/* SPDX-License-Identifier: MIT */
#include "textcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf-internal.h"

static void bad(const char *why, const char *line, size_t n)
{
    fprintf(stderr, "textcheck: %s: %.*s\n", why, (int)(n > 200 ? 200 : n),
            line);
    abort();
}

static int name_char(char c, int first, int metric)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return 1;
    if (metric && c == ':')
        return 1;
    return !first && c >= '0' && c <= '9';
}

/* A name at p; returns its length (0 if none). */
static size_t name_len(const char *p, const char *end, int metric)
{
    size_t n = 0;

    while (p + n < end && name_char(p[n], n == 0, metric))
        n++;
    return n;
}

/* What Go's ParseFloat accepts, as far as we write it. */
static int value_ok(const char *p, size_t n)
{
    char buf[64];
    char *endp;

    if ((n == 3 && memcmp(p, "NaN", 3) == 0) ||
        (n == 4 && (memcmp(p, "+Inf", 4) == 0 || memcmp(p, "-Inf", 4) == 0)))
        return 1;
    if (n == 0 || n >= sizeof(buf) || strspn(p, "0123456789.eE+-") < n)
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    strtod(buf, &endp);
    return endp == buf + n;
}

void textcheck(const char *text, size_t len)
{
    const char *p = text, *end = text + len;

    if (len && text[len - 1] != '\n')
        bad("no final newline", text, len);
    if (!pf__utf8_valid(text, len))
        bad("invalid UTF-8", text, len);
    if (memchr(text, '\r', len) || memchr(text, '\0', len))
        bad("CR or NUL", text, len);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *q = p;
        size_t n;

        if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0) {
            int help = p[2] == 'H';

            q = p + 7;
            n = name_len(q, nl, 1);
            if (n == 0 || q[n] != ' ')
                bad("bad HELP/TYPE name", p, (size_t)(nl - p));
            q += n + 1;
            if (help) {
                /* Only \\ and \n escapes in HELP. */
                for (; q < nl; q++)
                    if (*q == '\\' && (q + 1 >= nl ||
                                       (q[1] != '\\' && q[1] != 'n')))
                        bad("bad HELP escape", p, (size_t)(nl - p));
                    else if (*q == '\\')
                        q++;
            } else if (!((size_t)(nl - q) == 7 &&
                         memcmp(q, "counter", 7) == 0) &&
                       !((size_t)(nl - q) == 5 &&
                         memcmp(q, "gauge", 5) == 0) &&
                       !((size_t)(nl - q) == 9 &&
                         memcmp(q, "histogram", 9) == 0)) {
                bad("bad TYPE", p, (size_t)(nl - p));
            }
            p = nl + 1;
            continue;
        }
        if (*p == '#')
            bad("other comment", p, (size_t)(nl - p));
        n = name_len(q, nl, 1);
        if (n == 0)
            bad("sample without a name", p, (size_t)(nl - p));
        q += n;
        if (*q == '{') {
            q++;
            while (*q != '}') {
                n = name_len(q, nl, 0);
                if (n == 0 || q[n] != '=' || q[n + 1] != '"')
                    bad("bad label", p, (size_t)(nl - p));
                if (n >= 2 && q[0] == '_' && q[1] == '_')
                    bad("__ label", p, (size_t)(nl - p));
                q += n + 2;
                while (q < nl && *q != '"') {
                    if (*q == '\\') {
                        if (q + 1 >= nl ||
                            (q[1] != '\\' && q[1] != '"' && q[1] != 'n'))
                            bad("bad label escape", p, (size_t)(nl - p));
                        q++;
                    }
                    q++;
                }
                if (q >= nl)
                    bad("unterminated label value", p, (size_t)(nl - p));
                q++;
                if (*q == ',')
                    q++;
                else if (*q != '}')
                    bad("bad label list", p, (size_t)(nl - p));
            }
            q++;
        }
        if (*q != ' ')
            bad("no space before the value", p, (size_t)(nl - p));
        q++;
        /* One value, no timestamp. */
        if (!value_ok(q, (size_t)(nl - q)))
            bad("bad value (or a timestamp)", p, (size_t)(nl - p));
        p = nl + 1;
    }
}
