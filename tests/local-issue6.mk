# Issue 6, reliability: included from Makefile.am with
#   include $(srcdir)/tests/local-issue6.mk
# after SH_TESTS, UNIT_TESTS, TESTS, check_PROGRAMS and EXTRA_DIST.
#
# - tests/check-crash.sh: tests/test_crash, a writer SIGKILLed at random
#   moments at least 200 times; every file it leaves is complete and passes
#   `promfile check --strict`.
# - tests/test_faults: every system call of the write path failing
#   (pf__sys) with EIO, ENOSPC, EDQUOT, EINTR, EACCES, EROFS, and short
#   writes.

SH_TESTS += tests/check-crash.sh

# The crash test's program: run by check-crash.sh, which skips the test
# when promtool is missing. Built against the shared library, as a
# program would use it; it checks files with src/tool/promfile.
check_PROGRAMS += tests/test_crash
tests_test_crash_SOURCES = tests/test_crash.c
tests_test_crash_LDADD = src/libpromfile.la

if HAVE_CMOCKA
UNIT_TESTS += tests/test_faults
tests_test_faults_SOURCES = tests/test_faults.c tests/pf-test.h
tests_test_faults_CFLAGS = $(TEST_CFLAGS)
tests_test_faults_LDADD = $(TEST_LDADD)
endif
