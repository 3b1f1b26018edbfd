dnl XR_FAULT_INJECTION: --enable-fault-injection builds the hooks that the
dnl failure-rule tests arm with XRELOCD_FAULT.  Off by default: a release
dnl build has no code that kills, cuts or corrupts on an environment
dnl variable.  The test builds (scripts/setup.sh, distcheck) turn it on.
AC_DEFUN([XR_FAULT_INJECTION], [
    AC_ARG_ENABLE([fault-injection],
        [AS_HELP_STRING([--enable-fault-injection], [build the fault hooks the failure-rule tests arm with XRELOCD_FAULT (never on production hosts)])],
        [], [enable_fault_injection=no])
    AS_IF([test "x$enable_fault_injection" = xyes],
        [AC_DEFINE([RELOC_FAULT_INJECTION], [1],
            [Define if the XRELOCD_FAULT hooks are built in])])
    AM_CONDITIONAL([FAULT_INJECTION],
        [test "x$enable_fault_injection" = xyes])
    AC_SUBST([enable_fault_injection])
])
