/* SPDX-License-Identifier: MIT */
/*
 * Validation of names, HELP texts and label values, so that nothing the
 * library renders can be rejected by node_exporter or flagged by
 * `promtool check metrics` (rules: ../shared/TEXTFILE.md; promtool's
 * naming lints are those of client_golang's testutil/promlint).
 */
#include "validate.h"

#include <errno.h>
#include <string.h>

#include "error.h"

/* Names are quoted in messages; cut them so the sentence survives. */
#define NAMEFMT "\"%.60s\""

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool pf__camel_case(const char *s)
{
    for (; s[0] && s[1]; s++)
        if (s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'A' && s[1] <= 'Z')
            return true;
    return false;
}

/* Does the name, split at '_', contain the word `w` (compared in lower
 * case, as promlint does)? Only words after the first count, because
 * promlint looks for "_w_" and a "_w" suffix. */
static bool has_word(const char *name, const char *w)
{
    size_t m = strlen(w);

    for (const char *p = strchr(name, '_'); p; p = strchr(p + 1, '_')) {
        size_t i;

        for (i = 0; i < m; i++) {
            char c = p[1 + i];

            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != w[i])
                break;
        }
        if (i == m && (p[1 + m] == '_' || p[1 + m] == '\0'))
            return true;
    }
    return false;
}

/* promlint's unit rules: a word that is a known unit must be its base
 * unit; a prefixed unit ("milliseconds", "kilobytes") never is. */
static const struct {
    const char *unit;
    const char *base;
} units[] = {
    {"amperes", "amperes"},    {"bytes", "bytes"},     {"celsius", "celsius"},
    {"grams", "grams"},        {"joules", "joules"},   {"kelvin", "kelvin"},
    {"meters", "meters"},      {"metres", "metres"},   {"seconds", "seconds"},
    {"volts", "volts"},        {"minutes", "seconds"}, {"hours", "seconds"},
    {"days", "seconds"},       {"weeks", "seconds"},   {"kelvins", "kelvin"},
    {"fahrenheit", "celsius"}, {"rankine", "celsius"}, {"inches", "meters"},
    {"yards", "meters"},       {"miles", "meters"},    {"bits", "bytes"},
    {"calories", "joules"},    {"pounds", "grams"},    {"ounces", "grams"},
};

static const char *const unit_prefixes[] = {
    "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
    "kibi", "mega", "mibi",  "giga",  "gibi",  "tera", "tebi", "peta",  "pebi",
};

static const char *const unit_abbreviations[] = {
    "s",  "ms", "us", "ns", "sec", "b", "kb",
    "mb", "gb", "tb", "pb", "m",   "h", "d",
};

/* Check one '_'-separated word of a metric name against the unit table.
 * Returns the base unit to suggest, or NULL when the word is fine. */
static const char *bad_unit(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t un = strlen(units[i].unit);

        if (un == n && memcmp(w, units[i].unit, n) == 0)
            return strcmp(units[i].unit, units[i].base) ? units[i].base : NULL;
        for (size_t j = 0; j < sizeof(unit_prefixes) / sizeof(unit_prefixes[0]);
             j++) {
            size_t pn = strlen(unit_prefixes[j]);

            if (pn + un == n && memcmp(w, unit_prefixes[j], pn) == 0 &&
                memcmp(w + pn, units[i].unit, un) == 0)
                return units[i].base;
        }
    }
    return NULL;
}

static int check_name_lints(const char *name, enum pf_type type)
{
    size_t stem;

    if (strchr(name, ':'))
        return pf__err(-EINVAL,
                       "metric name " NAMEFMT " contains ':', which is "
                       "reserved for recording rules",
                       name);
    if (pf__camel_case(name))
        return pf__err(-EINVAL,
                       "metric name " NAMEFMT " is camelCase; use "
                       "snake_case",
                       name);
    if (type == PF_TYPE_COUNTER && !pf__ends_with(name, PF_COUNTER_SUFFIX))
        return pf__err(-EINVAL,
                       "counter name " NAMEFMT " does not end in \"%s\"", name,
                       PF_COUNTER_SUFFIX);
    if (type != PF_TYPE_COUNTER && pf__ends_with(name, PF_COUNTER_SUFFIX))
        return pf__err(-EINVAL,
                       "name " NAMEFMT " ends in \"%s\", which is for "
                       "counters",
                       name, PF_COUNTER_SUFFIX);
    if (type != PF_TYPE_HISTOGRAM &&
        pf__suffix_of(name, strlen(name), &stem) != PF_SUFFIX_NONE)
        return pf__err(-EINVAL,
                       "name " NAMEFMT " ends in a suffix reserved for "
                       "histograms and summaries",
                       name);
    /* promlint's type words: the type names and gauge_histogram. */
    for (size_t t = 0; t <= PF_NTYPES; t++) {
        const char *w = t < PF_NTYPES ? pf__type_name((enum pf_type)t)
                                      : PF_TYPE_NAME_GAUGE_HISTOGRAM;

        if (has_word(name, w))
            return pf__err(-EINVAL,
                           "metric name " NAMEFMT " contains the type "
                           "name \"%s\"",
                           name, w);
    }
    for (size_t i = 0;
         i < sizeof(unit_abbreviations) / sizeof(unit_abbreviations[0]); i++)
        if (has_word(name, unit_abbreviations[i]))
            return pf__err(-EINVAL,
                           "metric name " NAMEFMT " contains the "
                           "abbreviated unit \"%s\"; spell out base units "
                           "such as seconds or bytes",
                           name, unit_abbreviations[i]);
    for (const char *w = name; *w;) {
        size_t n = strcspn(w, "_");
        char lower[32];
        const char *base;

        if (n > 0 && n < sizeof(lower)) {
            for (size_t i = 0; i < n; i++)
                lower[i] =
                    (char)((w[i] >= 'A' && w[i] <= 'Z') ? w[i] - 'A' + 'a'
                                                        : w[i]);
            base = bad_unit(lower, n);
            if (base)
                return pf__err(-EINVAL,
                               "metric name " NAMEFMT " uses the unit "
                               "\"%.*s\"; use the base unit \"%s\"",
                               name, (int)n, w, base);
        }
        w += n;
        if (*w == '_')
            w++;
    }
    return 0;
}

int pf__check_metric_name(const char *name, enum pf_type type)
{
    if (!name || !*name)
        return pf__err(-EINVAL, "metric name is empty");
    if (strlen(name) > PF_MAX_NAME)
        return pf__err(-EINVAL,
                       "metric name " NAMEFMT " is longer than %d "
                       "bytes",
                       name, PF_MAX_NAME);
    if (!is_alpha(name[0]) && name[0] != ':')
        return pf__err(-EINVAL,
                       "metric name " NAMEFMT " must start with a letter, "
                       "'_' or ':'",
                       name);
    for (const char *p = name + 1; *p; p++)
        if (!is_alpha(*p) && !is_digit(*p) && *p != ':')
            return pf__err(-EINVAL,
                           "metric name " NAMEFMT " contains a character "
                           "other than [a-zA-Z0-9_:]",
                           name);
    if (name[0] == '_' && name[1] == '_')
        return pf__err(-EINVAL,
                       "metric name " NAMEFMT " starts with \"__\", which is "
                       "reserved",
                       name);
    return check_name_lints(name, type);
}

int pf__check_label_name(const char *name)
{
    if (!name || !*name)
        return pf__err(-EINVAL, "label name is empty");
    if (strlen(name) > PF_MAX_NAME)
        return pf__err(-EINVAL,
                       "label name " NAMEFMT " is longer than %d "
                       "bytes",
                       name, PF_MAX_NAME);
    if (!is_alpha(name[0]))
        return pf__err(-EINVAL,
                       "label name " NAMEFMT " must start with a letter or "
                       "'_'",
                       name);
    for (const char *p = name + 1; *p; p++)
        if (!is_alpha(*p) && !is_digit(*p))
            return pf__err(-EINVAL,
                           "label name " NAMEFMT " contains a character "
                           "other than [a-zA-Z0-9_]",
                           name);
    /* node_exporter panics on a "__" label (TEXTFILE.md). */
    if (name[0] == '_' && name[1] == '_')
        return pf__err(-EINVAL,
                       "label name " NAMEFMT " starts with \"__\", which is "
                       "reserved",
                       name);
    if (strcmp(name, "le") == 0 || strcmp(name, "quantile") == 0)
        return pf__err(-EINVAL,
                       "label name " NAMEFMT " is reserved for histograms "
                       "and summaries",
                       name);
    if (pf__camel_case(name))
        return pf__err(-EINVAL,
                       "label name " NAMEFMT " is camelCase; use snake_case",
                       name);
    return 0;
}

int pf__check_help(const char *help)
{
    size_t n;

    if (!help || !*help)
        return pf__err(-EINVAL, "HELP text is empty");
    n = strlen(help);
    /* The parsers skip the blanks after the name: the text would lose
     * them, and one that is only blanks reads as none, which promtool
     * flags ("no help text"). */
    if (help[0] == ' ' || help[0] == '\t')
        return pf__err(-EINVAL,
                       "HELP text starts with white space, which readers "
                       "drop");
    if (!pf__utf8_valid(help, n))
        return pf__err(-EINVAL, "HELP text is not valid UTF-8");
    /* A raw control character (a CR above all) in a HELP line is at best
     * invisible and at worst read as a CRLF line ending; newlines are
     * escaped, tabs are harmless. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)help[i];

        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
            return pf__err(
                -EINVAL, "HELP text contains the control character 0x%02x", c);
    }
    return 0;
}

int pf__check_label_value(const char *value, size_t len)
{
    if (!pf__utf8_valid(value, len))
        return pf__err(-EINVAL, "label value is not valid UTF-8");
    /* The format has no escape for a carriage return: node_exporter
     * passes it through raw, where it reads as a line ending to anything
     * that splits lines on CR. Newlines are escaped (\n). */
    if (memchr(value, '\r', len))
        return pf__err(-EINVAL, "label value contains a carriage return");
    return 0;
}

size_t pf__utf8_repair(const char *s, size_t len, char *dst, size_t max)
{
    size_t i = 0, n = 0;

    while (i < len) {
        size_t step = 1;
        const char *from = s + i;
        size_t take;

        /* The longest valid sequence starting here, 1 to 4 bytes; a
         * carriage return is replaced too (see pf__check_label_value()). */
        while (step <= 4 && i + step <= len && !pf__utf8_valid(s + i, step))
            step++;
        if (step <= 4 && i + step <= len && s[i] != '\r') {
            take = step;
        } else {
            /* U+FFFD for the byte that starts no valid sequence. */
            from = "\xEF\xBF\xBD";
            take = 3;
            step = 1;
        }
        /* Cut at a character boundary, never in one. */
        if (max - n < take)
            break;
        memcpy(dst + n, from, take);
        n += take;
        i += step;
    }
    return n;
}

size_t pf__utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    /* Back off continuation bytes (10xxxxxx) so that no character is
     * split. */
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}
