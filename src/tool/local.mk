# promfile(1), the command-line tool (issue 8). Included from the top
# Makefile.am with "include $(srcdir)/src/tool/local.mk", after
# dist_man_MANS, TESTS and EXTRA_DIST are defined.
bin_PROGRAMS = src/tool/promfile
src_tool_promfile_SOURCES = \
	src/tool/tool.h \
	src/tool/main.c \
	src/tool/check.c \
	src/tool/edit.c \
	src/tool/lock.c \
	src/tool/run.c \
	src/tool/duration.c \
	src/tool/write.c
src_tool_promfile_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/src
# The convenience libraries, not the .so: the tool reads textfiles with
# the reader of src/text and uses pf__ internals (validation, escaping,
# number formatting, the atomic writer).
src_tool_promfile_LDADD = src/text/libpf-text.la src/libpf-core.la \
	$(INIH_LIBS)

TESTS += tests/check-tool.sh tests/check-multi.sh tests/check-write.sh
EXTRA_DIST += tests/check-tool.sh tests/check-multi.sh tests/data/tool \
	tests/check-write.sh tests/data/write

# promfile write's example, a collector script (tests/check-write.sh runs
# it), installed among the examples.
excollectorsdir = $(exampledir)/collectors
dist_excollectors_DATA = examples/collectors/apt-updates.sh

# The one parser of durations (check --max-age, run --timeout and
# --kill-after), unit-tested.
if HAVE_CMOCKA
check_PROGRAMS += tests/test_duration
TESTS += tests/test_duration
tests_test_duration_SOURCES = tests/test_duration.c tests/pf-test.h \
	src/tool/duration.c src/tool/tool.h
tests_test_duration_CFLAGS = $(TEST_CFLAGS)
tests_test_duration_LDADD = $(TEST_LDADD)
endif

# promfile run (issue 15): its test, and its examples, installed as
# documentation beside the others.
TESTS += tests/check-run.sh
EXTRA_DIST += tests/check-run.sh tests/promfile-jobs.rules.test.yml
dist_example_DATA += examples/prometheus/promfile-jobs.rules.yml
dist_exsystemd_DATA += examples/systemd/backup.service \
	examples/systemd/backup.timer
excrondir = $(exampledir)/cron
dist_excron_DATA = examples/cron/promfile-backup
