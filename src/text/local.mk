# The reader of the text format (issue 13), src/text: a convenience
# library of its own, linked by the tool, the unit tests that need it and
# (through tests/fuzz/run.sh) the fuzz targets; never by libpromfile.la,
# never installed. Included from the top Makefile.am with
# "include $(srcdir)/src/text/local.mk", after noinst_LTLIBRARIES.
noinst_LTLIBRARIES += src/text/libpf-text.la
src_text_libpf_text_la_SOURCES = \
	src/text/reader.h \
	src/text/reader-int.h \
	src/text/reader.c \
	src/text/line.c \
	src/text/across.c \
	src/text/rules.c \
	src/text/keys.h \
	src/text/keys.c
