/* SPDX-License-Identifier: MIT */
/*
 * Durations on the command line (check --max-age, run --timeout and
 * --kill-after): parts with units, as Prometheus and systemd write them
 * ("90s", "5m", "1h30m", "2d", "1w", "500ms"), or plain seconds, as
 * timeout(1) takes them ("90", "2.5"). One parser for every option, in
 * integer nanoseconds, so that no locale can change what "2.5" means and
 * no sum of doubles can round 1h30m to a hair less.
 */
#include "tool.h"

#include <errno.h>
#include <string.h>

#define NS_PER_S 1000000000ull

int pt_parse_duration(const char *s, uint64_t *ret)
{
    /* Largest first, the order the parts must come in, each at most
     * once: Prometheus's units (a year is 365 days, as there). */
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {
        {"y", 365 * 86400 * NS_PER_S}, {"w", 7 * 86400 * NS_PER_S},
        {"d", 86400 * NS_PER_S},       {"h", 3600 * NS_PER_S},
        {"m", 60 * NS_PER_S},          {"s", NS_PER_S},
        {"ms", NS_PER_S / 1000},
    };
    const uint64_t max = PT_DURATION_MAX_S * NS_PER_S;
    uint64_t total = 0;
    size_t next = 0; /* the first unit the next part may have */
    const char *p = s;

    if (!s || !*s || !ret)
        return -EINVAL;
    while (*p) {
        const char *digits = p, *frac = NULL;
        uint64_t n = 0, unit_ns, part, scale;
        size_t u, len = 0, nfrac = 0;

        if (*p < '0' || *p > '9')
            return -EINVAL;
        while (*p >= '0' && *p <= '9') {
            /* Past the maximum in any unit: no need to read further. */
            if (n > PT_DURATION_MAX_S * 1000)
                return -ERANGE;
            n = n * 10 + (uint64_t)(*p++ - '0');
        }
        if (*p == '.') {
            frac = ++p;
            while (*p >= '0' && *p <= '9')
                p++;
            nfrac = (size_t)(p - frac);
            if (nfrac == 0)
                return -EINVAL;
        }
        if (*p == '\0' && digits == s) {
            /* A plain number, the whole string: seconds. */
            unit_ns = NS_PER_S;
        } else {
            /* The last unit that matches, so "ms" before "m"; a part
             * without a unit must be the only one. */
            for (u = PF_ARRAY_SIZE(units); u-- > 0;) {
                len = strlen(units[u].unit);
                if (strncmp(p, units[u].unit, len) == 0 &&
                    (p[len] == '\0' || (p[len] >= '0' && p[len] <= '9')))
                    break;
            }
            if (u == (size_t)-1 || u < next)
                return -EINVAL;
            next = u + 1;
            unit_ns = units[u].ns;
            p += len;
        }
        if (n > max / unit_ns)
            return -ERANGE;
        part = n * unit_ns;
        /* Each digit of the fraction is a tenth of the one before; what
         * falls below a nanosecond is dropped. */
        scale = unit_ns / 10;
        for (size_t i = 0; i < nfrac && scale; i++, scale /= 10)
            part += (uint64_t)(frac[i] - '0') * scale;
        if (part > max - total)
            return -ERANGE;
        total += part;
    }
    *ret = total;
    return 0;
}

void pt_format_duration(uint64_t ns, char *buf, size_t size)
{
    static const struct {
        char unit;
        unsigned long long seconds;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    unsigned long long left = ns / NS_PER_S;
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
