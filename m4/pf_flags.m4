# PF_CHECK_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
# Compile an empty program with FLAG added (and -Werror, so that a compiler
# which merely warns about an unknown flag counts as not supporting it).
AC_DEFUN([PF_CHECK_CFLAG], [
    AS_VAR_PUSHDEF([pf_var], [pf_cv_cflag_$1])
    AC_CACHE_CHECK([whether $CC accepts $1], [pf_var], [
        pf_save_CFLAGS=$CFLAGS
        CFLAGS="$CFLAGS -Werror $1"
        AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
            [AS_VAR_SET([pf_var], [yes])], [AS_VAR_SET([pf_var], [no])])
        CFLAGS=$pf_save_CFLAGS])
    AS_VAR_IF([pf_var], [yes], [$2], [$3])
    AS_VAR_POPDEF([pf_var])
])
