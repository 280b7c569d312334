/* SPDX-License-Identifier: MIT */
/*
 * promfile check: every rule of TEXTFILE.md, for files and for the .prom
 * files of a directory as node_exporter's textfile collector reads them,
 * plus promtool's naming lints as warnings.
 */
#include "tool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void pt_report(pt_ctx *c, pt_file *f, unsigned line, bool error,
               const char *rule, const char *fmt, ...)
{
    va_list ap;

    if (error) {
        c->errors++;
        if (f)
            f->errors++;
    } else {
        c->warnings++;
    }
    if (!c->out || (!error && c->quiet))
        return;
    fprintf(c->out, "%s:%u: %s: %s: ", f ? f->path : "-", line,
            error ? "error" : "warning", rule);
    va_start(ap, fmt);
    vfprintf(c->out, fmt, ap);
    va_end(ap);
    fputc('\n', c->out);
}

int pt_read_file(const char *path, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 65536, n = 0;
    char *buf;

    if (fd < 0)
        return -errno;
    buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char *nb = cap > SIZE_MAX / 4 ? NULL : realloc(buf, cap * 2 + 1);

            if (!nb) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;

            free(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    /* NUL-terminated for the parser's convenience; *len excludes it. */
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* ---- Series keys, for duplicates within and across files ------------ */

typedef struct key_ent {
    char *key;
    size_t len;
    size_t file; /* index of the file in its directory */
    unsigned line;
    size_t order; /* for a stable sort */
} key_ent;

typedef struct key_vec {
    key_ent *v;
    size_t n, cap;
} key_vec;

static int key_push(key_vec *k, char *key, size_t len, size_t file,
                    unsigned line)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 256;
        key_ent *v = realloc(k->v, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n] = (key_ent){key, len, file, line, k->n};
    k->n++;
    return 0;
}

static void key_vec_free(key_vec *k)
{
    for (size_t i = 0; i < k->n; i++)
        pf__free(k->v[i].key);
    free(k->v);
    k->v = NULL;
    k->n = k->cap = 0;
}

/* Order by key bytes, then length, then insertion order (a stable sort
 * with qsort()). Shared by the series keys and the histogram entries. */
static int cmp_keys(const char *xk, size_t xl, size_t xo, const char *yk,
                    size_t yl, size_t yo)
{
    size_t n = xl < yl ? xl : yl;
    int r = memcmp(xk, yk, n);

    if (r)
        return r;
    if (xl != yl)
        return xl < yl ? -1 : 1;
    return xo < yo ? -1 : xo > yo;
}

static int key_cmp(const void *a, const void *b)
{
    const key_ent *x = a, *y = b;

    return cmp_keys(x->key, x->len, x->order, y->key, y->len, y->order);
}

/* Add the key of every sample of f to k. */
static int collect_keys(const pt_file *f, size_t file, key_vec *k)
{
    for (size_t i = 0; i < f->nlines; i++) {
        const pt_line *l = &f->lines[i];
        size_t len;
        char *key;

        if (l->kind != PT_SAMPLE)
            continue;
        key = pt_series_key(l->name, l->labels, l->nlabels, &len);
        if (!key || key_push(k, key, len, file, l->no) < 0) {
            pf__free(key);
            return -ENOMEM;
        }
    }
    return 0;
}

/* ---- Histograms -------------------------------------------------------- */

enum hpart { H_BUCKET, H_SUM, H_COUNT };

static const char *label_value(const pt_line *l, const char *name)
{
    for (size_t i = 0; i < l->nlabels; i++)
        if (strcmp(l->labels[i].name, name) == 0)
            return l->labels[i].value;
    return NULL;
}

/* The key of a histogram series without its le label: one group of
 * buckets, _sum and _count. */
static char *group_key(const char *fam, const pt_line *l, size_t *len)
{
    pt_label labs[PF_MAX_LABELS + 8];
    size_t n = 0;

    for (size_t i = 0; i < l->nlabels && n < sizeof(labs) / sizeof(labs[0]);
         i++)
        if (strcmp(l->labels[i].name, "le") != 0)
            labs[n++] = l->labels[i];
    return pt_series_key(fam, labs, n, len);
}

typedef struct hent {
    char *key;
    size_t len;
    size_t order;
    enum hpart part;
    double le;
    double value;
    unsigned line;
} hent;

static int hent_cmp(const void *a, const void *b)
{
    const hent *x = a, *y = b;

    return cmp_keys(x->key, x->len, x->order, y->key, y->len, y->order);
}

/* One group (a histogram series without le): the buckets in file order
 * must have increasing le, cumulative counts, a last +Inf bucket equal to
 * _count, and _sum and _count must be there (TEXTFILE.md). */
static void check_group(pt_file *f, pt_ctx *c, const char *fam,
                        const hent *h, size_t n)
{
    const hent *inf = NULL, *sum = NULL, *count = NULL, *prev = NULL;
    unsigned first = h[0].line;

    for (size_t i = 0; i < n; i++) {
        if (h[i].part == H_SUM) {
            sum = &h[i];
            continue;
        }
        if (h[i].part == H_COUNT) {
            count = &h[i];
            if (h[i].value < 0 || h[i].value != floor(h[i].value))
                pt_report(c, f, h[i].line, true, "histogram",
                          "_count of %.60s is not a whole number >= 0",
                          fam);
            continue;
        }
        if (h[i].value < 0 || h[i].value != floor(h[i].value))
            pt_report(c, f, h[i].line, true, "histogram",
                      "bucket count of %.60s is not a whole number >= 0",
                      fam);
        if (prev && !(h[i].le > prev->le))
            pt_report(c, f, h[i].line, true, "histogram",
                      "buckets of %.60s are not in increasing le order "
                      "(after line %u)",
                      fam, prev->line);
        else if (prev && h[i].value < prev->value)
            pt_report(c, f, h[i].line, true, "histogram",
                      "buckets of %.60s are not cumulative: this count is "
                      "below that of line %u",
                      fam, prev->line);
        if (isinf(h[i].le) && h[i].le > 0)
            inf = &h[i];
        prev = &h[i];
    }
    if (!inf)
        pt_report(c, f, first, true, "histogram",
                  "histogram %.60s has no le=\"+Inf\" bucket", fam);
    else if (prev != inf)
        pt_report(c, f, inf->line, true, "histogram",
                  "the +Inf bucket of %.60s is not its last", fam);
    if (!count)
        pt_report(c, f, first, true, "histogram",
                  "histogram %.60s has no _count", fam);
    else if (inf && inf->value != count->value)
        pt_report(c, f, count->line, true, "histogram",
                  "_count of %.60s differs from its +Inf bucket (line %u)",
                  fam, inf->line);
    if (!sum)
        pt_report(c, f, first, true, "histogram",
                  "histogram %.60s has no _sum", fam);
}

/* ---- The rules of one file ------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool camel(const char *s)
{
    for (; s[0] && s[1]; s++)
        if (s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'A' && s[1] <= 'Z')
            return true;
    return false;
}

/* The role of a sample in its family: 0 the base name, else the part. */
static int sample_part(const pt_family *fam, const char *name)
{
    size_t n = strlen(fam->name);

    if (strncmp(name, fam->name, n) != 0 || name[n] == '\0')
        return 0;
    if (strcmp(name + n, "_bucket") == 0)
        return 1 + H_BUCKET;
    if (strcmp(name + n, "_sum") == 0)
        return 1 + H_SUM;
    return 1 + H_COUNT;
}

static int check_samples(pt_file *f, pt_ctx *c, hent **hret, size_t *hn)
{
    hent *h = NULL;
    size_t nh = 0, caph = 0;

    for (size_t i = 0; i < f->nlines; i++) {
        pt_line *l = &f->lines[i];
        pt_family *fam;
        int part;
        const char *le, *q;

        if (l->kind != PT_SAMPLE)
            continue;
        fam = &f->fams[l->fam];
        part = sample_part(fam, l->name);
        le = label_value(l, "le");
        q = label_value(l, "quantile");
        if (fam->type == PT_COUNTER && l->value < 0)
            pt_report(c, f, l->no, true, "counter-negative",
                      "counter %.60s is negative", l->name);
        if (le && !(fam->type == PT_HISTOGRAM && part == 1 + H_BUCKET))
            pt_report(c, f, l->no, true, "le-quantile",
                      "label \"le\" belongs to the _bucket samples of "
                      "histograms only");
        if (q && !(fam->type == PT_SUMMARY && part == 0))
            pt_report(c, f, l->no, true, "le-quantile",
                      "label \"quantile\" belongs to summaries only");
        if (q && fam->type == PT_SUMMARY &&
            !pt_parse_float(q, strlen(q), NULL))
            pt_report(c, f, l->no, true, "le-quantile",
                      "quantile=\"%.30s\" is not a number", q);
        if (fam->type == PT_SUMMARY && part == 0 && !q)
            pt_report(c, f, l->no, true, "summary",
                      "sample %.60s of a summary has no quantile label",
                      l->name);
        if (fam->type != PT_HISTOGRAM)
            continue;
        if (part == 0) {
            pt_report(c, f, l->no, true, "histogram",
                      "sample %.60s of histogram %.60s has no _bucket, "
                      "_sum or _count suffix",
                      l->name, fam->name);
            continue;
        }
        if (part == 1 + H_BUCKET && !le) {
            pt_report(c, f, l->no, true, "histogram",
                      "bucket of %.60s without an le label", fam->name);
            continue;
        }
        if (nh == caph) {
            hent *nhp;

            caph = caph ? caph * 2 : 64;
            nhp = realloc(h, caph * sizeof(*h));
            if (!nhp)
                goto nomem;
            h = nhp;
        }
        h[nh] = (hent){NULL, 0, nh, (enum hpart)(part - 1), 0, l->value,
                       l->no};
        if (le && !pt_parse_float(le, strlen(le), &h[nh].le)) {
            pt_report(c, f, l->no, true, "le-quantile",
                      "le=\"%.30s\" is not a number", le);
            continue;
        }
        h[nh].key = group_key(fam->name, l, &h[nh].len);
        if (!h[nh].key)
            goto nomem;
        nh++;
    }
    *hret = h;
    *hn = nh;
    return 0;
nomem:
    for (size_t i = 0; i < nh; i++)
        pf__free(h[i].key);
    free(h);
    return -ENOMEM;
}

static enum pf_type lib_type(enum pt_type t)
{
    if (t == PT_COUNTER)
        return PF_TYPE_COUNTER;
    if (t == PT_HISTOGRAM || t == PT_SUMMARY)
        return PF_TYPE_HISTOGRAM;
    return PF_TYPE_GAUGE;
}

static void check_families(pt_file *f, pt_ctx *c)
{
    for (size_t i = 0; i < f->nfams; i++) {
        pt_family *fam = &f->fams[i];
        unsigned at;

        if (fam->nsamples == 0) {
            char alt[PF_MAX_NAME + 16];
            int other;

            snprintf(alt, sizeof(alt), "%s_total", fam->name);
            other = pt_family_of(f, alt);
            at = fam->type_line ? fam->type_line : fam->help_line;
            if (fam->type == PT_COUNTER && other >= 0)
                pt_report(c, f, at, false, "no-samples",
                          "TYPE %s counter names no sample; %s is "
                          "exported untyped (write \"# TYPE %s counter\")",
                          fam->name, alt, alt);
            else
                pt_report(c, f, at, false, "no-samples",
                          "family %.60s has HELP or TYPE but no samples "
                          "(dropped)",
                          fam->name);
            continue;
        }
        at = f->lines[fam->first_idx].no;
        {
            /* node_exporter's own families: merged with a textfile's only
             * with the same type and HELP (node_exporter gives a family
             * without one "Metric read from <file>"), and a series with
             * node_exporter's label names may be one of its own. */
            const pf_nodeexp_family *ne = pf__nodeexp_family(fam->name);

            if (ne && (strcmp(pt_type_name(fam->type), ne->type) != 0 ||
                       !fam->help || strcmp(fam->help, ne->help) != 0))
                pt_report(c, f, at, true, "node-exporter",
                          "node_exporter exports %.60s itself, as a %s with "
                          "the HELP \"%.60s\": this family, of another "
                          "type or HELP, is dropped at every scrape",
                          fam->name, ne->type, ne->help);
            else if (ne)
                for (size_t k = fam->first_idx; k <= fam->last_idx; k++) {
                    const pt_line *l = &f->lines[k];
                    const char *names[PF_MAX_LABELS];
                    size_t nn = 0;

                    if (l->kind != PT_SAMPLE || l->fam != (int)i)
                        continue;
                    for (size_t j = 0; j < l->nlabels && nn < PF_MAX_LABELS;
                         j++)
                        if (l->labels[j].vlen)
                            names[nn++] = l->labels[j].name;
                    if (pf__nodeexp_same_labels(ne, names, nn))
                        pt_report(c, f, l->no, !*ne->labels, "node-exporter",
                                  "node_exporter exports %.60s itself with "
                                  "these label names: %s",
                                  fam->name,
                                  *ne->labels ? "a series of the same values "
                                                "is dropped"
                                              : "this series is dropped at "
                                                "every scrape");
                }
        }
        if (fam->name[0] == '_' && fam->name[1] == '_') {
            pt_report(c, f, at, true, "name",
                      "metric name %.60s starts with \"__\", which is "
                      "reserved",
                      fam->name);
            continue;
        }
        if (c->no_lint)
            continue;
        if (!fam->help)
            pt_report(c, f, at, false, "lint-help",
                      "%.60s has no HELP (promtool: \"no help text\")",
                      fam->name);
        if (pf__check_metric_name(fam->name, lib_type(fam->type)) < 0 &&
            !(fam->type == PT_UNTYPED && ends_with(fam->name, "_total")))
            pt_report(c, f, at, false, "lint-name", "%s", pf_last_error());
        for (size_t k = fam->first_idx; k <= fam->last_idx; k++) {
            const pt_line *l = &f->lines[k];
            bool found = false;

            if (l->kind != PT_SAMPLE || l->fam != (int)i)
                continue;
            for (size_t j = 0; j < l->nlabels; j++)
                if (camel(l->labels[j].name)) {
                    pt_report(c, f, l->no, false, "lint-name",
                              "label name \"%.60s\" is camelCase; use "
                              "snake_case",
                              l->labels[j].name);
                    found = true;
                    break;
                }
            if (found)
                break;
        }
    }
}

int pt_check_file(pt_file *f, pt_ctx *c)
{
    key_vec k = {0};
    hent *h = NULL;
    size_t nh = 0, nsamples = 0;
    int r = pt_parse(f, c);

    if (r < 0)
        return r;
    for (size_t i = 0; i < f->nlines; i++)
        if (f->lines[i].kind == PT_SAMPLE)
            nsamples++;
    if (nsamples == 0 && f->errors == 0)
        pt_report(c, f, 0, false, "empty",
                  "%s: node_exporter reads it as no metrics, silently",
                  f->len ? "no samples" : "empty file");
    r = check_samples(f, c, &h, &nh);
    if (r < 0)
        return r;
    if (nh > 1)
        qsort(h, nh, sizeof(*h), hent_cmp);
    for (size_t i = 0, j; i < nh; i = j) {
        for (j = i + 1; j < nh && h[j].len == h[i].len &&
                        memcmp(h[j].key, h[i].key, h[i].len) == 0;
             j++)
            ;
        check_group(f, c, h[i].key, &h[i], j - i);
    }
    for (size_t i = 0; i < nh; i++)
        pf__free(h[i].key);
    free(h);
    check_families(f, c);
    r = collect_keys(f, 0, &k);
    if (r == 0) {
        if (k.n > 1)
            qsort(k.v, k.n, sizeof(*k.v), key_cmp);
        for (size_t i = 1; i < k.n; i++)
            if (k.v[i].len == k.v[i - 1].len &&
                memcmp(k.v[i].key, k.v[i - 1].key, k.v[i].len) == 0)
                pt_report(c, f, k.v[i].line, true, "duplicate",
                          "series %.60s is also on line %u (node_exporter "
                          "drops one)",
                          k.v[i].key, k.v[i - 1].line);
    }
    key_vec_free(&k);
    return r;
}

/* ---- Permissions -------------------------------------------------------- */

typedef struct user_info {
    const char *name;
    uid_t uid;
    gid_t groups[256];
    int ngroups;
} user_info;

static int user_load(const char *name, user_info *u)
{
    struct passwd *pw = getpwnam(name);

    if (!pw)
        return -ENOENT;
    u->name = name;
    u->uid = pw->pw_uid;
    u->ngroups = (int)(sizeof(u->groups) / sizeof(u->groups[0]));
    if (getgrouplist(name, pw->pw_gid, u->groups, &u->ngroups) < 0) {
        /* More groups than we keep: the primary one is first. */
        u->ngroups = (int)(sizeof(u->groups) / sizeof(u->groups[0]));
    }
    return 0;
}

/* May the user access st with the rwx bit `bit` (4, 2 or 1)? */
static bool may(const user_info *u, const struct stat *st, unsigned bit)
{
    bool member = false;

    if (u->uid == 0)
        return bit != 1 || S_ISDIR(st->st_mode) ||
               (st->st_mode & 0111) != 0;
    if (st->st_uid == u->uid)
        return (st->st_mode >> 6) & bit;
    for (int i = 0; i < u->ngroups; i++)
        if (u->groups[i] == st->st_gid)
            member = true;
    if (member)
        return (st->st_mode >> 3) & bit;
    return st->st_mode & bit;
}

/* Every directory from / down to dir must be searchable by the user.
 * Returns 0 or the first one that is not, in bad. */
static bool dirs_searchable(const user_info *u, const char *dir, char *bad,
                            size_t badsz)
{
    char real[PATH_MAX];
    struct stat st;

    if (!realpath(dir, real))
        return true;
    for (char *p = real;;) {
        char save;

        p = strchr(p + 1, '/');
        save = p ? *p : '\0';
        if (p)
            *p = '\0';
        if (stat(real[0] ? real : "/", &st) == 0 && !may(u, &st, 1)) {
            snprintf(bad, badsz, "%s", real[0] ? real : "/");
            return false;
        }
        if (!p)
            break;
        *p = save;
    }
    return true;
}

static void check_perm_file(pt_ctx *c, pt_file *f, const char *path,
                            const user_info *u)
{
    struct stat st;
    char dir[PATH_MAX], bad[PATH_MAX];
    const char *slash;

    if (!u || stat(path, &st) < 0)
        return;
    if (!may(u, &st, 4))
        pt_report(c, f, 0, true, "permission",
                  "user %s cannot read the file (mode %04o, owner %u, "
                  "group %u); node_exporter reports \"permission denied\"",
                  u->name, (unsigned)(st.st_mode & 07777),
                  (unsigned)st.st_uid, (unsigned)st.st_gid);
    slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1), path);
    if (!dirs_searchable(u, dir, bad, sizeof(bad)))
        pt_report(c, f, 0, true, "permission",
                  "user %s cannot search the directory %s", u->name, bad);
}

/* ---- Files and directories -------------------------------------------- */

static int load(pt_file *f, const char *path, pt_ctx *c)
{
    int r;

    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path)
        return -ENOMEM;
    r = pt_read_file(path, &f->data, &f->len);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        pt_report(c, f, 0, true, "read", "cannot read: %s", pf_strerror(r));
        return 0;
    }
    return pt_check_file(f, c);
}

static void unload(pt_file *f)
{
    pt_file_free(f);
    free(f->data);
    free(f->path);
    f->data = f->path = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same family in two files of one directory must have the same HELP
 * and TYPE; node_exporter gives a family without HELP the HELP "Metric
 * read from <path>", so two such files conflict too. */
static void check_across(pt_ctx *c, pt_file *files, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t a = 0; a < files[i].nfams; a++) {
            pt_family *fa = &files[i].fams[a];
            bool done = false;

            if (fa->nsamples == 0)
                continue;
            for (size_t j = 0; j < i && !done; j++) {
                int b = pt_family_of(&files[j], fa->name);
                pt_family *fb;
                const char *ha, *hb;

                if (b < 0 || files[j].fams[b].nsamples == 0 ||
                    strcmp(files[j].fams[b].name, fa->name) != 0)
                    continue;
                fb = &files[j].fams[b];
                done = true;
                if (fa->type != fb->type) {
                    pt_report(c, &files[i], files[i].lines[fa->first_idx].no,
                              true, "conflict",
                              "family %.60s is %s here but %s in %s: "
                              "node_exporter drops one file's samples",
                              fa->name, pt_type_name(fa->type),
                              pt_type_name(fb->type), files[j].path);
                    continue;
                }
                ha = fa->help;
                hb = fb->help;
                if (!ha || !hb)
                    pt_report(c, &files[i], files[i].lines[fa->first_idx].no,
                              true, "conflict",
                              "family %.60s has no HELP here or in %s: "
                              "node_exporter gives it the HELP \"Metric "
                              "read from <file>\", which differs, and "
                              "drops one file's samples",
                              fa->name, files[j].path);
                else if (strcmp(ha, hb) != 0)
                    pt_report(c, &files[i], files[i].lines[fa->first_idx].no,
                              true, "conflict",
                              "family %.60s has another HELP than in %s: "
                              "node_exporter drops one file's samples",
                              fa->name,
                              files[j].path);
            }
        }
}

static int check_dir(const char *dir, const user_info *u, pt_ctx *c)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    pt_file *files = NULL;
    key_vec k = {0};
    int r = 0;
    pt_file dummy = {0};
    struct dirent *de;

    dummy.path = (char *)(uintptr_t)dir;
    if (!d) {
        pt_report(c, &dummy, 0, true, "read", "cannot read directory: %s",
                  pf_strerror(-errno));
        return 0;
    }
    if (u) {
        struct stat st;
        char bad[PATH_MAX];

        if (fstat(dirfd(d), &st) == 0 && !may(u, &st, 4))
            pt_report(c, &dummy, 0, true, "permission",
                      "user %s cannot list the directory", u->name);
        if (!dirs_searchable(u, dir, bad, sizeof(bad)))
            pt_report(c, &dummy, 0, true, "permission",
                      "user %s cannot search the directory %s", u->name,
                      bad);
    }
    /* node_exporter reads every name ending in ".prom", hidden ones
     * included; it follows symlinks and does not descend. */
    while ((de = readdir(d))) {
        if (!ends_with(de->d_name, ".prom"))
            continue;
        if (n == cap) {
            char **nn;

            cap = cap ? cap * 2 : 16;
            nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                r = -ENOMEM;
                goto out;
            }
            names = nn;
        }
        names[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
        if (!names[n]) {
            r = -ENOMEM;
            goto out;
        }
        sprintf(names[n], "%s%s%s", dir,
                dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    files = calloc(n ? n : 1, sizeof(*files));
    if (!files) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;

        if (stat(names[i], &st) < 0 || !S_ISREG(st.st_mode)) {
            pt_file tmp = {0};

            tmp.path = names[i];
            pt_report(c, &tmp, 0, true, "not-regular",
                      "not a regular file (or a broken symlink), but its "
                      "name ends in .prom: node_exporter fails to read it");
            files[i].path = strdup(names[i]);
            continue;
        }
        r = load(&files[i], names[i], c);
        if (r < 0)
            goto out;
        check_perm_file(c, &files[i], names[i], u);
    }
    check_across(c, files, n);
    for (size_t i = 0; i < n; i++) {
        r = collect_keys(&files[i], i, &k);
        if (r < 0)
            goto out;
    }
    if (k.n > 1)
        qsort(k.v, k.n, sizeof(*k.v), key_cmp);
    for (size_t i = 1; i < k.n; i++)
        if (k.v[i].len == k.v[i - 1].len && k.v[i].file != k.v[i - 1].file &&
            memcmp(k.v[i].key, k.v[i - 1].key, k.v[i].len) == 0)
            pt_report(c, &files[k.v[i].file], k.v[i].line, true,
                      "duplicate-across",
                      "series %.60s is also in %s:%u (node_exporter drops "
                      "one)",
                      k.v[i].key, files[k.v[i - 1].file].path,
                      k.v[i - 1].line);
out:
    key_vec_free(&k);
    for (size_t i = 0; i < n; i++) {
        if (files)
            unload(&files[i]);
        free(names[i]);
    }
    free(files);
    free(names);
    closedir(d);
    return r;
}

int pt_cmd_check(char **paths, int n, const pt_opts *o, pt_ctx *c)
{
    user_info ui, *u = NULL;

    if (o->user) {
        if (user_load(o->user, &ui) < 0) {
            fprintf(stderr, "promfile: no such user: %s\n", o->user);
            return 2;
        }
        u = &ui;
    }
    for (int i = 0; i < n; i++) {
        struct stat st;
        int r = 0;

        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            r = check_dir(paths[i], u, c);
        } else {
            pt_file f;

            r = load(&f, paths[i], c);
            if (r == 0 && f.data) {
                if (!ends_with(paths[i], ".prom"))
                    pt_report(c, &f, 0, false, "file-name",
                              "node_exporter reads only files whose name "
                              "ends in .prom");
                check_perm_file(c, &f, paths[i], u);
            }
            unload(&f);
        }
        if (r < 0) {
            fprintf(stderr, "promfile: %s\n", pf_strerror(r));
            return 1;
        }
    }
    if (c->errors || (o->strict && c->warnings))
        return 1;
    return 0;
}
