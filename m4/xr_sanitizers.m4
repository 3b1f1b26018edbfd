dnl XR_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan.
AC_DEFUN([XR_SANITIZERS], [
    AC_ARG_ENABLE([sanitizers],
        [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
        [], [enable_sanitizers=no])
    XR_SAN_CFLAGS=""
    XR_SAN_LDFLAGS=""
    AS_IF([test "x$enable_sanitizers" = xyes], [
        XR_SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
        XR_SAN_LDFLAGS="-fsanitize=address,undefined"
    ])
    AC_SUBST([XR_SAN_CFLAGS])
    AC_SUBST([XR_SAN_LDFLAGS])
])
