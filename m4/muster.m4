dnl MUSTER_CHECK_CFLAG(FLAG, ACTION-IF-OK): does the compiler take FLAG without a warning?
AC_DEFUN([MUSTER_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	muster_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no])])
	CFLAGS=$muster_save_CFLAGS
])

dnl AX_PTHREAD_LITE: glibc has pthreads in libc; -pthread is all that is needed.
AC_DEFUN([AX_PTHREAD_LITE], [
	PTHREAD_CFLAGS=-pthread
	PTHREAD_LIBS=-pthread
	AC_SUBST([PTHREAD_CFLAGS])
	AC_SUBST([PTHREAD_LIBS])
])
