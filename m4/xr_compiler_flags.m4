dnl XR_COMPILER_FLAGS: the warning set every file must build clean with.
dnl --enable-werror turns them into errors (CI uses it).
AC_DEFUN([XR_COMPILER_FLAGS], [
    AC_ARG_ENABLE([werror],
        [AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
        [], [enable_werror=no])
    XR_CFLAGS="-std=gnu99 -Wall -Wextra -Wmissing-prototypes -Wformat=2 -Wshadow"
    AS_IF([test "x$enable_werror" = xyes], [XR_CFLAGS="$XR_CFLAGS -Werror"])
    AC_SUBST([XR_CFLAGS])
])
