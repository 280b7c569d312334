/* SPDX-License-Identifier: MIT */
/*
 * Durations on the command line, as Prometheus writes them: "90s",
 * "1h30m", "2d", "1w" (units y, w, d, h, m, s, ms, largest first, each
 * at most once), or a plain number of seconds.
 */
#include "tool.h"

#include <errno.h>
#include <string.h>

int pt_parse_duration(const char *s, double *ret)
{
    static const struct {
        const char *unit;
        double seconds;
    } units[] = {
        {"y", 365 * 86400.0}, {"w", 7 * 86400.0}, {"d", 86400.0}, {"h", 3600.0},
        {"m", 60.0},          {"s", 1.0},         {"ms", 0.001},
    };
    size_t next = 0; /* the first unit the next part may have */
    double total = 0;
    const char *p = s;

    if (!*p)
        return -EINVAL;
    while (*p) {
        double n = 0;
        size_t u, len = 0;
        int digits = 0;

        for (; *p >= '0' && *p <= '9'; p++, digits++)
            n = n * 10 + (*p - '0');
        if (!digits || digits > 12)
            return -EINVAL;
        /* A plain number: seconds. */
        if (!*p && p - s == digits) {
            *ret = n;
            return 0;
        }
        /* "ms" before "m". */
        for (u = 0; u < PF_ARRAY_SIZE(units); u++) {
            len = strlen(units[u].unit);
            if (strncmp(p, units[u].unit, len) == 0 &&
                (p[len] == '\0' || (p[len] >= '0' && p[len] <= '9')) &&
                !(len == 1 && p[0] == 'm' && p[1] == 's'))
                break;
        }
        if (u == PF_ARRAY_SIZE(units) || u < next)
            return -EINVAL;
        next = u + 1;
        total += n * units[u].seconds;
        p += len;
    }
    *ret = total;
    return 0;
}

void pt_format_duration(double seconds, char *buf, size_t size)
{
    static const struct {
        char unit;
        unsigned long long seconds;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    unsigned long long left = seconds > 0 ? (unsigned long long)seconds : 0;
    size_t i = 0, n = PF_ARRAY_SIZE(units);
    unsigned long long a, b;

    while (i + 1 < n && left < units[i].seconds)
        i++;
    a = left / units[i].seconds;
    b = i + 1 < n ? left % units[i].seconds / units[i + 1].seconds : 0;
    if (b)
        snprintf(buf, size, "%llu%c%llu%c", a, units[i].unit, b,
                 units[i + 1].unit);
    else
        snprintf(buf, size, "%llu%c", a, units[i].unit);
}
