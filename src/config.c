/* SPDX-License-Identifier: MIT */
/*
 * The writer's configuration and its ini file, promfile.conf(5).
 *
 * The file is parsed with inih, through ini_parse_stream() and a line
 * reader of our own: Debian 12's inih (r55) silently splits a line longer
 * than 199 bytes and parses the rest as a new line, and it would take an
 * indented line as the continuation of the previous value. Our reader
 * refuses both, with the line number, and checks section names (inih does
 * not report empty sections to the handler).
 */
#include "conf.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error.h"
#include "validate.h"

/* inih's INI_MAX_LINE in Debian's build (the default): the longest line
 * it can hold, newline and NUL included. */
#define INI_LINE_MAX 200

#define PF_INTERVAL_MIN_MS 10ULL
#define PF_INTERVAL_MAX_MS (24ULL * 3600 * 1000)

/* ---- Errors ------------------------------------------------------------ */

typedef struct where {
    const char *source; /* file name or NULL */
    unsigned line;
} where;

static int cfg_err(pf_error *reterr, const where *at, int code, const char *fmt,
                   ...) PF_PRINTF(4, 5);

static int cfg_err(pf_error *reterr, const where *at, int code, const char *fmt,
                   ...)
{
    char text[sizeof(reterr->text)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (reterr) {
        const char *src = at && at->source ? at->source : "";
        size_t n = strlen(src);

        memset(reterr, 0, sizeof(*reterr));
        reterr->code = code;
        reterr->line = at ? at->line : 0;
        /* Keep the end of a long path: the file name matters most. */
        if (n >= sizeof(reterr->source)) {
            src += n - (sizeof(reterr->source) - 4);
            memcpy(reterr->source, "...", 3);
            memcpy(reterr->source + 3, src, strlen(src) + 1);
        } else {
            memcpy(reterr->source, src, n + 1);
        }
        memcpy(reterr->text, text, sizeof(text));
    }
    if (at && at->source && at->line)
        return pf__err(code, "%.80s:%u: %s", at->source, at->line, text);
    if (at && at->source)
        return pf__err(code, "%.80s: %s", at->source, text);
    return pf__err(code, "%s", text);
}

/* ---- The configuration --------------------------------------------------- */

static void labels_clear(pf_config *cfg)
{
    for (size_t i = 0; i < cfg->nlabels; i++) {
        pf__free(cfg->label_names[i]);
        pf__free(cfg->label_values[i]);
    }
    pf__free(cfg->label_names);
    pf__free(cfg->label_values);
    pf__free(cfg->label_lines);
    cfg->label_names = cfg->label_values = NULL;
    cfg->label_lines = NULL;
    cfg->nlabels = 0;
}

static void config_clear(pf_config *cfg)
{
    pf__free(cfg->directory);
    pf__free(cfg->file);
    pf__free(cfg->source);
    pf__free(cfg->program);
    pf__free(cfg->shared_path);
    labels_clear(cfg);
    memset(cfg, 0, sizeof(*cfg));
}

int pf_config_new(pf_config **ret)
{
    pf_config *cfg;

    if (!ret)
        return pf__err(-EINVAL, "result pointer is NULL");
    cfg = pf__malloc(sizeof(*cfg));
    if (!cfg)
        return -ENOMEM;
    pf__config_init(cfg);
    *ret = cfg;
    return 0;
}

pf_config *pf_config_free(pf_config *cfg)
{
    if (cfg) {
        config_clear(cfg);
        pf__free(cfg);
    }
    return NULL;
}

static int dup_or_null(const char *s, char **ret)
{
    *ret = NULL;
    if (!s)
        return 0;
    *ret = pf__strdup(s);
    return *ret ? 0 : -ENOMEM;
}

int pf__config_copy(const pf_config *src, pf_config *dst)
{
    memset(dst, 0, sizeof(*dst));
    dst->interval_ms = src->interval_ms;
    dst->mode = src->mode;
    dst->fsync = src->fsync;
    dst->fsync_dir = src->fsync_dir;
    dst->remove_on_exit = src->remove_on_exit;
    dst->process = src->process;
    dst->limits_set = src->limits_set;
    dst->max_series = src->max_series;
    dst->max_label_len = src->max_label_len;
    dst->replace_invalid = src->replace_invalid;
    dst->err_fn = src->err_fn;
    dst->err_arg = src->err_arg;
    dst->shared_workers = src->shared_workers;
    dst->shared_series = src->shared_series;
    dst->shared_cells = src->shared_cells;
    dst->shared_bytes = src->shared_bytes;
    dst->shared_mode = src->shared_mode;
    if (dup_or_null(src->shared_path, &dst->shared_path) < 0 ||
        dup_or_null(src->directory, &dst->directory) < 0 ||
        dup_or_null(src->file, &dst->file) < 0 ||
        dup_or_null(src->source, &dst->source) < 0 ||
        dup_or_null(src->program, &dst->program) < 0)
        goto nomem;
    if (src->nlabels) {
        dst->label_names = pf__calloc(src->nlabels, sizeof(char *));
        dst->label_values = pf__calloc(src->nlabels, sizeof(char *));
        dst->label_lines = pf__calloc(src->nlabels, sizeof(unsigned));
        if (!dst->label_names || !dst->label_values || !dst->label_lines)
            goto nomem;
        for (; dst->nlabels < src->nlabels; dst->nlabels++) {
            size_t i = dst->nlabels;

            dst->label_lines[i] = src->label_lines[i];
            if (dup_or_null(src->label_names[i], &dst->label_names[i]) < 0 ||
                dup_or_null(src->label_values[i], &dst->label_values[i]) < 0) {
                dst->nlabels++; /* so that the clear frees this one too */
                goto nomem;
            }
        }
    }
    return 0;
nomem:
    config_clear(dst);
    return -ENOMEM;
}

void pf__config_clear(pf_config *cfg)
{
    config_clear(cfg);
}

/* ---- Values ------------------------------------------------------------ */

static int parse_bool(const char *v, bool *ret)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < PF_ARRAY_SIZE(yes); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    }
    return -EINVAL;
}

/* A duration: one or more <integer><unit> parts, units h, m, s, ms in
 * that order, as Prometheus writes durations ("15s", "1m30s", "500ms"). */
int pf__parse_duration_ms(const char *v, uint64_t *ret)
{
    /* In the order they must come in. */
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
    uint64_t total = 0;
    size_t next = 0; /* the first unit the next part may have */
    const char *p = v;

    if (!*p)
        return -EINVAL;
    while (*p) {
        uint64_t n = 0;
        size_t u, len = 0;

        if (*p < '0' || *p > '9')
            return -EINVAL;
        while (*p >= '0' && *p <= '9') {
            if (n > (UINT64_MAX - 9) / 10)
                return -ERANGE;
            n = n * 10 + (uint64_t)(*p++ - '0');
        }
        /* The longest unit that matches ("ms" before "m"). */
        for (u = PF_ARRAY_SIZE(units); u-- > 0;) {
            len = strlen(units[u].unit);
            if (strncmp(p, units[u].unit, len) == 0 &&
                (p[len] == '\0' || (p[len] >= '0' && p[len] <= '9')))
                break;
        }
        if (u == (size_t)-1 || u < next)
            return -EINVAL;
        next = u + 1;
        if (n > PF_INTERVAL_MAX_MS)
            return -ERANGE;
        total += n * units[u].ms;
        if (total > PF_INTERVAL_MAX_MS)
            return -ERANGE;
        p += len;
    }
    *ret = total;
    return 0;
}

int pf__check_file_name(const char *file)
{
    size_t n;

    if (!file || !*file)
        return pf__err(-EINVAL, "file name is empty");
    n = strlen(file);
    if (strchr(file, '/'))
        return pf__err(-EINVAL, "file name \"%.60s\" contains '/'", file);
    /* node_exporter reads only names ending in .prom (case-sensitive). */
    if (n == 5 && strcmp(file, ".prom") == 0)
        return pf__err(-EINVAL, "file name \".prom\" has nothing before "
                                "\".prom\"");
    if (n <= 5 || strcmp(file + n - 5, ".prom") != 0)
        return pf__err(-EINVAL,
                       "file name \"%.60s\" does not end in "
                       "\".prom\"",
                       file);
    /* Room for the temporary name around it within NAME_MAX. */
    if (n > PF_MAX_FILE_NAME)
        return pf__err(-EINVAL, "file name \"%.60s\" is longer than %d bytes",
                       file, PF_MAX_FILE_NAME);
    if (!pf__utf8_valid(file, n))
        return pf__err(-EINVAL, "file name is not valid UTF-8");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)file[i] < 0x20 || file[i] == 0x7F)
            return pf__err(-EINVAL, "file name contains a control character");
    return 0;
}

static int set_string(char **slot, const char *v)
{
    char *d = pf__strdup(v);

    if (!d)
        return -ENOMEM;
    pf__free(*slot);
    *slot = d;
    return 0;
}

/* Make room for one more label in each of the three arrays. */
static int grow_labels(pf_config *cfg)
{
    size_t k = cfg->nlabels + 1;
    char **names, **values;
    unsigned *lines;

    names = pf__realloc(cfg->label_names, k * sizeof(char *));
    if (!names)
        return -ENOMEM;
    cfg->label_names = names;
    values = pf__realloc(cfg->label_values, k * sizeof(char *));
    if (!values)
        return -ENOMEM;
    cfg->label_values = values;
    lines = pf__realloc(cfg->label_lines, k * sizeof(unsigned));
    if (!lines)
        return -ENOMEM;
    cfg->label_lines = lines;
    return 0;
}

static int set_label(pf_config *cfg, const char *name, const char *value,
                     unsigned line)
{
    size_t i;
    char *n, *v;

    for (i = 0; i < cfg->nlabels; i++)
        if (strcmp(cfg->label_names[i], name) == 0)
            break;
    v = pf__strdup(value);
    if (!v)
        return -ENOMEM;
    if (i < cfg->nlabels) {
        pf__free(cfg->label_values[i]);
        cfg->label_values[i] = v;
        cfg->label_lines[i] = line;
        return 0;
    }
    n = pf__strdup(name);
    if (!n || grow_labels(cfg) < 0) {
        pf__free(n);
        pf__free(v);
        return -ENOMEM;
    }
    cfg->label_names[cfg->nlabels] = n;
    cfg->label_values[cfg->nlabels] = v;
    cfg->label_lines[cfg->nlabels] = line;
    cfg->nlabels++;
    return 0;
}

/* ---- The keys ------------------------------------------------------------
 *
 * One table drives the sections, the keys, their types, their defaults
 * and their checks (issue 13); promfile.conf(5) documents it row by row.
 * [labels] is the one section with no fixed keys. */

enum kind {
    K_PATH,     /* char *: a path, not empty */
    K_FILE,     /* char *: a .prom name */
    K_DURATION, /* uint64_t: ms, PF_INTERVAL_MIN_MS to _MAX_MS */
    K_MODE,     /* unsigned: octal, readable, <= 0777 */
    K_BOOL,     /* bool */
    K_COUNT,    /* size_t: decimal, at most 1e12 */
    K_PROGRAM,  /* char *: a label value */
    K_UTF8,     /* bool: replace (true) or refuse (false) */
};

static const struct key {
    const char *section;
    const char *name;
    enum kind kind;
    size_t offset;     /* of the field in pf_config */
    unsigned limit;    /* the PF_LIMIT_* bit the key sets, if any */
    const char *dflt;  /* the default, as written in a file; NULL: none */
    uint64_t min, max; /* K_COUNT: the range; 0, 0: up to 1e12 */
} keys[] = {
#define KEY(sec, name, kind, field, limit, dflt)                               \
    {                                                                          \
        sec, name, kind, offsetof(pf_config, field), limit, dflt, 0, 0         \
    }
#define COUNT(sec, name, field, limit, dflt, min, max)                         \
    {                                                                          \
        sec, name, K_COUNT, offsetof(pf_config, field), limit, dflt, min, max  \
    }
    KEY("textfile", "directory", K_PATH, directory, 0, NULL),
    KEY("textfile", "file", K_FILE, file, 0, NULL),
    KEY("textfile", "interval", K_DURATION, interval_ms, 0, "15s"),
    KEY("textfile", "mode", K_MODE, mode, 0, "0644"),
    KEY("textfile", "fsync", K_BOOL, fsync, 0, "true"),
    KEY("textfile", "fsync_directory", K_BOOL, fsync_dir, 0, "false"),
    KEY("textfile", "remove_on_exit", K_BOOL, remove_on_exit, 0, "false"),
    KEY("process", "enabled", K_BOOL, process, 0, "true"),
    KEY("process", "program", K_PROGRAM, program, 0, NULL),
    COUNT("limits", "max_series", max_series, PF_LIMIT_SERIES, "100000", 0, 0),
    COUNT("limits", "max_label_value_length", max_label_len, PF_LIMIT_LENGTH,
          "0", 0, 0),
    KEY("limits", "invalid_utf8", K_UTF8, replace_invalid, PF_LIMIT_UTF8,
        "refuse"),
    KEY("shared", "path", K_PATH, shared_path, 0, NULL),
    COUNT("shared", "workers", shared_workers, 0, "64", 1, 4096),
    COUNT("shared", "series", shared_series, 0, "10000", 1, 16777216),
    COUNT("shared", "cells", shared_cells, 0, "0", 0, 268435456),
    COUNT("shared", "bytes", shared_bytes, 0, "0", 0, 1073741824),
    KEY("shared", "mode", K_MODE, shared_mode, 0, "0600"),
#undef KEY
#undef COUNT
};
#define NKEYS PF_ARRAY_SIZE(keys)
_Static_assert(NKEYS <= 32, "the duplicate check keeps a bit per key");

#define LABELS_SECTION "labels"

static bool known_section(const char *s, size_t n)
{
    if (n == strlen(LABELS_SECTION) && strncmp(s, LABELS_SECTION, n) == 0)
        return true;
    for (size_t k = 0; k < NKEYS; k++)
        if (strlen(keys[k].section) == n && strncmp(s, keys[k].section, n) == 0)
            return true;
    return false;
}

/* "[textfile], [labels], [process], [limits]": the sections, in the
 * order of the table ([labels] after the first). */
static const char *section_list(char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < NKEYS; k++) {
        if (k > 0 && strcmp(keys[k].section, keys[k - 1].section) == 0)
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s[%s]", n ? ", " : "",
                              keys[k].section);
        if (k == 0)
            n += (size_t)snprintf(buf + n, size - n, ", [" LABELS_SECTION "]");
        if (n >= size)
            break;
    }
    return buf;
}

static const struct key *find_key(const char *section, const char *name)
{
    for (size_t k = 0; k < NKEYS; k++)
        if (strcmp(section, keys[k].section) == 0 &&
            strcmp(name, keys[k].name) == 0)
            return &keys[k];
    return NULL;
}

/* A count: decimal digits, at most 1e12. */
static int parse_count(const char *v, size_t *ret)
{
    size_t n = 0;

    if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 12)
        return -EINVAL;
    for (; *v; v++)
        n = n * 10 + (size_t)(*v - '0');
    *ret = n;
    return 0;
}

/* Check `value` for key k and store it in cfg. Returns 0, or a negative
 * errno with its message for cfg_err() in why. */
static int set_key(pf_config *cfg, const struct key *k, const char *value,
                   char *why, size_t wsz)
{
    void *field = (char *)cfg + k->offset;

    switch (k->kind) {
    case K_PATH:
        if (!*value) {
            snprintf(why, wsz, "%s is empty", k->name);
            return -EINVAL;
        }
        if (strlen(value) >= PATH_MAX) {
            snprintf(why, wsz, "%s is too long", k->name);
            return -EINVAL;
        }
        return set_string(field, value);
    case K_FILE:
        if (pf__check_file_name(value) < 0) {
            snprintf(why, wsz, "file: %s", pf__last_error());
            return -EINVAL;
        }
        return set_string(field, value);
    case K_DURATION: {
        uint64_t ms;
        int r = pf__parse_duration_ms(value, &ms);

        if (r == 0 && ms < PF_INTERVAL_MIN_MS)
            r = -ERANGE;
        if (r == -ERANGE)
            snprintf(why, wsz, "%s \"%.40s\" is not between 10ms and 24h",
                     k->name, value);
        else if (r < 0)
            snprintf(why, wsz,
                     "%s \"%.40s\" is not a duration such as 15s, 500ms, "
                     "1m30s or 1h",
                     k->name, value);
        if (r < 0)
            return -EINVAL;
        *(uint64_t *)field = ms;
        return 0;
    }
    case K_MODE: {
        size_t n = strlen(value);
        unsigned long m;

        if (n == 0 || n > 4 || strspn(value, "01234567") != n) {
            snprintf(why, wsz,
                     "mode \"%.40s\" is not an octal file mode such as 0644",
                     value);
            return -EINVAL;
        }
        m = strtoul(value, NULL, 8);
        if ((m & 0444) == 0) {
            snprintf(why, wsz, "mode %.40s lets nobody read the file", value);
            return -EINVAL;
        }
        if (m > 0777) {
            snprintf(why, wsz,
                     "mode %.40s has bits beyond 0777 (setuid, setgid or "
                     "sticky)",
                     value);
            return -EINVAL;
        }
        *(unsigned *)field = (unsigned)m;
        return 0;
    }
    case K_BOOL:
        if (parse_bool(value, field) < 0) {
            snprintf(why, wsz,
                     "%s \"%.40s\" is not a boolean (true, false, yes, no, "
                     "on, off, 1, 0)",
                     k->name, value);
            return -EINVAL;
        }
        return 0;
    case K_COUNT: {
        size_t n;

        /* Parsed aside and stored once in range: a refused value leaves
         * the field as it was. */
        if (parse_count(value, &n) < 0) {
            if (k->max)
                snprintf(why, wsz, "%s \"%.40s\" is not a whole number",
                         k->name, value);
            else
                snprintf(why, wsz,
                         "%s \"%.40s\" is not a whole number (0 for no "
                         "limit)",
                         k->name, value);
            return -EINVAL;
        }
        if (k->max && (n < k->min || n > k->max)) {
            snprintf(why, wsz, "%s %.40s is not between %llu and %llu", k->name,
                     value, (unsigned long long)k->min,
                     (unsigned long long)k->max);
            return -EINVAL;
        }
        *(size_t *)field = n;
        return 0;
    }
    case K_PROGRAM:
        if (!*value || pf__check_label_value(value, strlen(value)) < 0) {
            snprintf(why, wsz,
                     "%s must be a non-empty label value (UTF-8, no "
                     "carriage return)",
                     k->name);
            return -EINVAL;
        }
        return set_string(field, value);
    case K_UTF8:
        if (strcmp(value, "refuse") != 0 && strcmp(value, "replace") != 0) {
            snprintf(why, wsz, "%s \"%.40s\" is neither refuse nor replace",
                     k->name, value);
            return -EINVAL;
        }
        *(bool *)field = strcmp(value, "replace") == 0;
        return 0;
    }
    return -EINVAL;
}

void pf__config_init(pf_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t k = 0; k < NKEYS; k++) {
        char why[8];

        /* The defaults are valid and need no memory (every string key
         * defaults to NULL): this cannot fail. */
        if (keys[k].dflt)
            set_key(cfg, &keys[k], keys[k].dflt, why, sizeof(why));
    }
}

const char *pf__config_env(void)
{
    /* Not from the environment of a set-user-ID program's caller. */
    const char *p = secure_getenv("PROMFILE_CONFIG");

    return p && *p ? p : NULL;
}

/* One [labels] line. */
static int apply_label(pf_config *cfg, const char *key, const char *value,
                       const where *at, bool file, pf_error *reterr)
{
    int r = pf__check_label_name(key);

    if (r < 0)
        return cfg_err(reterr, at, r, "[labels]: %s", pf__last_error());
    if (pf__check_label_value(value, strlen(value)) < 0)
        return cfg_err(reterr, at, -EINVAL, "[labels] %.60s: %s", key,
                       pf__last_error());
    /* Prometheus reads an empty label value as no label at all. */
    if (!*value)
        return cfg_err(reterr, at, -EINVAL, "[labels] %.60s: value is empty",
                       key);
    if (file)
        for (size_t i = 0; i < cfg->nlabels; i++)
            if (cfg->label_lines[i] && at && at->line &&
                strcmp(cfg->label_names[i], key) == 0)
                return cfg_err(reterr, at, -EINVAL,
                               "[labels] %.60s is set twice (line %u)", key,
                               cfg->label_lines[i]);
    r = set_label(cfg, key, value, at ? at->line : 0);
    return r < 0 ? cfg_err(reterr, at, r, "out of memory") : 0;
}

/* Apply one key to cfg. `seen` (may be NULL) catches duplicates within
 * one file: a bit per row of keys[]; labels are checked in cfg itself. */
static int apply(pf_config *cfg, const char *section, const char *key,
                 const char *value, const where *at, unsigned *seen,
                 pf_error *reterr)
{
    const struct key *k;
    char why[sizeof(reterr->text)];
    int r;

    if (!section || !key || !value)
        return cfg_err(reterr, at, -EINVAL, "section, key or value is NULL");
    if (strcmp(section, LABELS_SECTION) == 0)
        return apply_label(cfg, key, value, at, seen != NULL, reterr);
    if (!known_section(section, strlen(section)))
        return cfg_err(reterr, at, -EINVAL,
                       "unknown section [%.60s] (known: %s)", section,
                       section_list(why, sizeof(why)));
    k = find_key(section, key);
    if (!k)
        return cfg_err(reterr, at, -EINVAL, "unknown key \"%.60s\" in [%s]",
                       key, section);
    if (seen) {
        unsigned bit = 1u << (k - keys);

        if (*seen & bit)
            return cfg_err(reterr, at, -EINVAL,
                           "key \"%s\" in [%s] is set twice", k->name, section);
        *seen |= bit;
    }
    r = set_key(cfg, k, value, why, sizeof(why));
    if (r == -EINVAL)
        return cfg_err(reterr, at, r, "%s", why);
    if (r < 0)
        return cfg_err(reterr, at, r, "out of memory");
    cfg->limits_set |= k->limit;
    return 0;
}

int pf_config_set(pf_config *cfg, const char *section, const char *key,
                  const char *value, pf_error *reterr)
{
    if (!cfg)
        return cfg_err(reterr, NULL, -EINVAL, "configuration is NULL");
    return apply(cfg, section, key, value, NULL, NULL, reterr);
}

int pf_config_set_error_callback(pf_config *cfg, void (*fn)(int err, void *arg),
                                 void *arg)
{
    if (!cfg)
        return pf__err(-EINVAL, "configuration is NULL");
    cfg->err_fn = fn;
    cfg->err_arg = fn ? arg : NULL;
    return 0;
}

/* ---- The ini file ------------------------------------------------------ */

typedef struct parse_ctx {
    FILE *f;
    pf_config *cfg;  /* the copy being filled */
    where at;        /* the line being parsed */
    unsigned seen;   /* [textfile] keys already set */
    bool indented;   /* the current line starts with white space */
    bool key_before; /* a key came before it in this section */
    bool failed;     /* err holds the first error */
    pf_error err;
} parse_ctx;

static int fail(parse_ctx *c, int code, const char *fmt, const char *arg)
{
    if (!c->failed) {
        c->failed = true;
        cfg_err(&c->err, &c->at, code, fmt, arg);
    }
    return 0;
}

/* inih's line reader, with fgets() semantics: at most num - 1 bytes, the
 * newline included. Returning NULL ends the parse. */
static char *read_line(char *str, int num, void *stream)
{
    parse_ctx *c = stream;
    size_t n = 0;
    const char *p;
    int ch;

    if (c->failed)
        return NULL;
    while (n + 1 < (size_t)num && (ch = getc(c->f)) != EOF) {
        str[n++] = (char)ch;
        if (ch == '\n')
            break;
        if (ch == '\0') {
            c->at.line++;
            fail(c, -EINVAL, "line contains a NUL byte%s", "");
            return NULL;
        }
        /* A CR that does not end the line (CR-only line endings, as old
         * Macs wrote them): inih would read the whole file as one line
         * and ignore every key after the first section. CRLF is fine. */
        if (n >= 2 && str[n - 2] == '\r') {
            c->at.line++;
            fail(c, -EINVAL,
                 "carriage return inside the line (CR-only line "
                 "endings?)%s; end lines with LF or CRLF",
                 "");
            return NULL;
        }
    }
    if (n == 0)
        return NULL;
    str[n] = '\0';
    c->at.line++;
    if (str[n - 1] != '\n' && (ch = getc(c->f)) != EOF) {
        char limit[16];

        /* The line did not fit: refuse it rather than let inih parse its
         * tail as a line of its own. */
        snprintf(limit, sizeof(limit), "%d", num - 2);
        fail(c, -E2BIG,
             "line is longer than %s bytes, the limit of the "
             "ini parser",
             limit);
        return NULL;
    }
    p = str;
    /* inih skips a UTF-8 byte order mark at the start of the file. */
    if (c->at.line == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    {
        const char *line = p;

        while (*p == ' ' || *p == '\t')
            p++;
        /* An indented "[" after a key is a continuation for inih. */
        c->key_before = c->key_before && !(*p == '[' && p == line);
        c->indented = p != line && *p && *p != '\n' && *p != '\r' &&
                      *p != ';' && *p != '#';
    }
    if (*p == '[') {
        const char *end = strchr(p, ']');

        if (end) {
            size_t len = (size_t)(end - p - 1);
            const char *q = end + 1;

            /* inih ignores whatever follows the ']': "[textfile]
             * interval = 1h" would set nothing. Only blanks and a
             * comment may. */
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q && *q != ';' && *q != '\n' && *q != '\r' &&
                !(*q == '#' && q > end + 1)) {
                char name[64];

                snprintf(name, sizeof(name), "%.*s", (int)(len < 60 ? len : 60),
                         p + 1);
                fail(c, -EINVAL,
                     "text after [%s] on its line, which would be "
                     "ignored; put each key on a line of its own",
                     name);
                return NULL;
            }

            if (!known_section(p + 1, len)) {
                char name[64];

                snprintf(name, sizeof(name), "%.*s", (int)(len < 60 ? len : 60),
                         p + 1);
                char known[96], msg[sizeof(c->err.text)];

                snprintf(msg, sizeof(msg), "unknown section [%s] (known: %s)",
                         name, section_list(known, sizeof(known)));
                fail(c, -EINVAL, "%s", msg);
                return NULL;
            }
        }
    }
    return str;
}

static int handler(void *user, const char *section, const char *name,
                   const char *value)
{
    parse_ctx *c = user;

    if (c->failed)
        return 1;
    if (c->indented && c->key_before)
        return fail(c, -EINVAL,
                    "line starts with white space, which would continue the "
                    "previous value%s; put each key on a line of its own",
                    "");
    if (!*section)
        return fail(c, -EINVAL, "key \"%.60s\" comes before any [section]",
                    name);
    c->key_before = true;
    if (apply(c->cfg, section, name, value, &c->at, &c->seen, &c->err) < 0)
        c->failed = true;
    return 1;
}

int pf__config_load(pf_config *cfg, const char *path, pf_error *reterr)
{
    parse_ctx c;
    pf_config tmp;
    int r;

    if (!cfg)
        return cfg_err(reterr, NULL, -EINVAL, "configuration is NULL");
    if (!path) {
        path = pf__config_env();
        if (!path)
            return cfg_err(reterr, NULL, -ENOENT,
                           "no configuration file given and "
                           "PROMFILE_CONFIG is not set");
    }
    memset(&c, 0, sizeof(c));
    c.at.source = path;
    c.f = fopen(path, "re");
    if (!c.f) {
        r = -errno;
        return cfg_err(reterr, &c.at, r, "cannot open: %s", pf__strerror(r));
    }
    {
        struct stat st;

        /* A directory opens, then reads as an error; a device such as
         * /dev/zero would read forever. Pipes and FIFOs are read. */
        r = fstat(fileno(c.f), &st) < 0 ? -errno : 0;
        if (r == 0 && S_ISDIR(st.st_mode))
            r = -EISDIR;
        else if (r == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
            r = -EINVAL;
        if (r < 0) {
            fclose(c.f);
            return cfg_err(reterr, &c.at, r, "%s",
                           r == -EISDIR   ? "is a directory, not an ini file"
                           : r == -EINVAL ? "is not a regular file"
                                          : pf__strerror(r));
        }
    }
    /* Parse into a copy: on error nothing of the file is applied. */
    r = pf__config_copy(cfg, &tmp);
    if (r < 0) {
        fclose(c.f);
        return cfg_err(reterr, &c.at, r, "out of memory");
    }
    c.cfg = &tmp;
    /* Labels set by this file replace same-named ones; duplicates are
     * found by their line numbers, so forget the old ones'. */
    for (size_t i = 0; i < tmp.nlabels; i++)
        tmp.label_lines[i] = 0;
    r = ini_parse_stream(read_line, &c, handler, &c);
    if (!c.failed && ferror(c.f)) {
        c.failed = true;
        cfg_err(&c.err, &c.at, -EIO, "read error");
    }
    fclose(c.f);
    if (r > 0 && (!c.failed || (unsigned)r < c.err.line)) {
        /* inih's own error came first: a line it could not parse. */
        c.failed = true;
        c.at.line = (unsigned)r;
        cfg_err(&c.err, &c.at, -EINVAL,
                "syntax error: expected [section], key = value, or a "
                "comment");
        r = c.err.code;
    } else if (c.failed) {
        r = c.err.code;
    } else if (r == -2) {
        c.failed = true;
        r = cfg_err(&c.err, &c.at, -ENOMEM, "out of memory");
    } else if (r != 0) {
        c.at.line = r > 0 ? (unsigned)r : c.at.line;
        c.failed = true;
        r = cfg_err(&c.err, &c.at, -EINVAL,
                    "syntax error: expected [section], key = value, or a "
                    "comment");
    }
    if (c.failed) {
        config_clear(&tmp);
        if (reterr)
            *reterr = c.err;
        /* pf__last_error() says it all too. */
        return cfg_err(NULL, &(where){path, c.err.line}, c.err.code, "%s",
                       c.err.text);
    }
    r = set_string(&tmp.source, path);
    if (r < 0) {
        config_clear(&tmp);
        return cfg_err(reterr, NULL, r, "out of memory");
    }
    config_clear(cfg);
    *cfg = tmp;
    return 0;
}

int pf_config_load(pf_config *cfg, const char *path, pf_error *reterr)
{
    return pf__config_load(cfg, path, reterr);
}
