/* SPDX-License-Identifier: MIT */
/*
 * promfile(1): check textfiles for node_exporter strictly, update them
 * safely from scripts, and check promfile.conf(5) files.
 */
#include "tool.h"

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    OPT_HELP_TEXT = 256,
    OPT_TYPE,
    OPT_NOW,
    OPT_FORCE,
    OPT_NO_FSYNC,
    OPT_STRICT,
    OPT_NO_LINT,
    OPT_LIST_RULES,
    OPT_MAX_AGE,
};

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"quiet", no_argument, NULL, 'q'},
    {"user", required_argument, NULL, 'u'},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"no-lint", no_argument, NULL, OPT_NO_LINT},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"max-age", required_argument, NULL, OPT_MAX_AGE},
    {"help-text", required_argument, NULL, OPT_HELP_TEXT},
    {"type", required_argument, NULL, OPT_TYPE},
    {"now", no_argument, NULL, OPT_NOW},
    {"force", no_argument, NULL, OPT_FORCE},
    {"no-fsync", no_argument, NULL, OPT_NO_FSYNC},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
    fputs("Usage: promfile check [-q] [--strict] [--no-lint] [--user NAME]\n"
          "                      [--max-age DURATION] PATH...\n"
          "       promfile check --list-rules\n"
          "       promfile set FILE SERIES VALUE [SERIES VALUE]... "
          "[--help-text TEXT]\n"
          "                [--type counter|gauge] [--force] [--no-fsync]\n"
          "       promfile set --now FILE SERIES... [options as for set]\n"
          "       promfile inc FILE SERIES [DELTA] [SERIES [DELTA]]... "
          "[options as for set]\n"
          "       promfile del FILE SERIES... [--force] [--no-fsync]\n"
          "       promfile set|inc|del [options] FILE -  (the same, one "
          "update a line of stdin)\n"
          "       promfile write [options] FILE [-- COMMAND [ARG...]]\n"
          "       promfile config check [FILE.ini]\n"
          "       promfile run [options] NAME -- COMMAND [ARG...]\n"
          "       promfile --help | --version\n"
          "\n"
          "SERIES is name or name{label=\"value\",...}. Put \"--\" before a "
          "negative VALUE\nif it could be read as an option.\n"
          "check exits 0 when clean (warnings allowed), 1 on errors, 2 on "
          "usage errors.\nSee promfile(1).\n",
          out);
}

/* Does s look like a negative number ("-1", ".5", "-Inf"), or glibc's
 * "-nan", which getopt would take for options? It is then an operand, and
 * a bad one gets "invalid value", not a usage error. */
static bool negative_number(const char *s)
{
    return s[0] == '-' && ((s[1] >= '0' && s[1] <= '9') || s[1] == '.' ||
                           strncasecmp(s + 1, "inf", 3) == 0 ||
                           strncasecmp(s + 1, "nan", 3) == 0);
}

static bool takes_arg(const char *s)
{
    static const char *const with_arg[] = {"--help-text", "--type", "--user",
                                           "-u", "--max-age"};

    for (size_t i = 0; i < sizeof(with_arg) / sizeof(with_arg[0]); i++)
        if (strcmp(s, with_arg[i]) == 0)
            return true;
    return false;
}

/* Move negative numbers (VALUE, DELTA) behind a "--", so that
 * "promfile set f x -1" works: the value is always the last operand. */
static char **reorder(int argc, char **argv, int *retc)
{
    char **v = calloc((size_t)argc + 2, sizeof(*v));
    char **neg = calloc((size_t)argc + 1, sizeof(*neg));
    int n = 0, nn = 0, i;

    if (!v || !neg) {
        free(v);
        free(neg);
        return NULL;
    }
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (i > 0 && negative_number(argv[i]) && !takes_arg(argv[i - 1]))
            neg[nn++] = argv[i];
        else
            v[n++] = argv[i];
    }
    v[n++] = (char *)(uintptr_t) "--";
    for (int k = 0; k < nn; k++)
        v[n++] = neg[k];
    for (i++; i < argc; i++)
        v[n++] = argv[i];
    free(neg);
    *retc = n;
    return v;
}

static int config_check(int argc, char **argv)
{
    const char *path = argc > 0 ? argv[0] : NULL;
    const char *shown = path ? path : getenv("PROMFILE_CONFIG");
    pf_config *cfg = NULL;
    pf_error err = {0};
    int r;

    if (argc > 1 || (!path && (!shown || !*shown))) {
        fputs("promfile: config check needs one FILE (or "
              "PROMFILE_CONFIG)\n",
              stderr);
        return 2;
    }
    r = pf_config_new(&cfg);
    if (r < 0) {
        fprintf(stderr, "promfile: %s\n", pf_strerror(r));
        return 1;
    }
    r = pf_config_load(cfg, path, &err);
    pf_config_free(cfg);
    if (r == 0) {
        printf("%s: ok\n", shown);
        return 0;
    }
    if (err.line)
        printf("%s:%u: %s\n", shown, err.line,
               err.text[0] ? err.text : pf_strerror(r));
    else
        printf("%s: %s\n", shown, err.text[0] ? err.text : pf_strerror(r));
    return 1;
}

int main(int argc, char **argv)
{
    pt_opts o = {NULL, false, 0};
    pt_ctx c = {stdout, false, false};
    pt_edit e = {0};
    bool user_set = false, list_rules = false;
    const char *cmd;
    char **av;
    int ac, opt, rc;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    cmd = argv[1];
    /* run has options of its own, and its command's after "--". */
    if (strcmp(cmd, "run") == 0)
        return pt_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("promfile %s (libpromfile %s)\n", PACKAGE_VERSION, pf_version());
        return 0;
    }
    /* write has options of its own (write.c). */
    if (strcmp(cmd, "write") == 0)
        return pt_cmd_write(argc - 1, argv + 1);
    if (strcmp(cmd, "config") == 0) {
        if (argc < 3 || strcmp(argv[2], "check") != 0) {
            fputs("promfile: usage: promfile config check FILE.ini\n", stderr);
            return 2;
        }
        return config_check(argc - 3, argv + 3);
    }
    if (strcmp(cmd, "set") == 0)
        e.op = PT_SET;
    else if (strcmp(cmd, "inc") == 0)
        e.op = PT_INC;
    else if (strcmp(cmd, "del") == 0)
        e.op = PT_DEL;
    else if (strcmp(cmd, "check") != 0) {
        fprintf(stderr, "promfile: unknown command \"%s\"\n", cmd);
        usage(stderr);
        return 2;
    }
    av = reorder(argc - 1, argv + 1, &ac);
    if (!av) {
        fputs("promfile: out of memory\n", stderr);
        return 1;
    }
    rc = -1;
    while (rc < 0 &&
           (opt = getopt_long(ac, av, "hVqu:", options, NULL)) != -1) {
        switch (opt) {
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        case 'V':
            printf("promfile %s (libpromfile %s)\n", PACKAGE_VERSION,
                   pf_version());
            rc = 0;
            break;
        case 'q':
            c.quiet = true;
            e.quiet = true;
            break;
        case 'u':
            o.user = *optarg ? optarg : NULL;
            user_set = true;
            break;
        case OPT_STRICT:
            o.strict = true;
            break;
        case OPT_NO_LINT:
            c.no_lint = true;
            break;
        case OPT_LIST_RULES:
            list_rules = true;
            break;
        case OPT_MAX_AGE:
            if (pt_parse_duration(optarg, &o.max_age) < 0 || o.max_age == 0) {
                fprintf(stderr,
                        "promfile: invalid --max-age %s: a duration such as "
                        "90s, 1h30m or 2d\n",
                        optarg);
                rc = 2;
            }
            break;
        case OPT_HELP_TEXT:
            e.help = optarg;
            break;
        case OPT_TYPE:
            e.type = optarg;
            break;
        case OPT_NOW:
            e.now = true;
            break;
        case OPT_FORCE:
            e.force = true;
            break;
        case OPT_NO_FSYNC:
            e.no_fsync = true;
            break;
        default:
            usage(stderr);
            rc = 2;
            break;
        }
    }
    if (rc >= 0)
        goto out;
    if (strcmp(cmd, "check") == 0 && list_rules) {
        if (optind < ac || e.help || e.type || e.now || e.force || e.no_fsync) {
            usage(stderr);
            rc = 2;
            goto out;
        }
        rc = pt_list_rules(stdout);
        goto out;
    }
    if (strcmp(cmd, "check") == 0) {
        if (e.help || e.type || e.now || e.force || e.no_fsync ||
            optind >= ac) {
            usage(stderr);
            rc = 2;
            goto out;
        }
        /* node_exporter runs as "prometheus" on Debian; with no such user
         * (and no --user) the permission rule is skipped. */
        if (!user_set && getpwnam("prometheus"))
            o.user = "prometheus";
        rc = pt_cmd_check(av + optind, ac - optind, &o, &c);
        goto out;
    }
    if (o.strict || c.no_lint || user_set || list_rules || o.max_age != 0 ||
        ac - optind < 2) {
        usage(stderr);
        rc = 2;
        goto out;
    }
    e.file = av[optind];
    e.args = av + optind + 1;
    e.nargs = ac - optind - 1;
    rc = pt_cmd_edit(&e);
out:
    free(av);
    return rc;
}
