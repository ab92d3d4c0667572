/*
 * sheet_fuzz.h - what the two spreadsheet fuzz targets (fuzz_csv.c,
 * fuzz_xlsx.c) share.  Define FUZZ_NAME ("fuzz_csv") before including it.
 * The readers' messages come in the language cli_zh() says: the target
 * sets zh from its input, so both languages are fuzzed.
 */
#ifndef MUSTER_SHEET_FUZZ_H
#define MUSTER_SHEET_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int zh;
int cli_zh(void)
{
	return zh;
}

/* A property that must hold: a crash (abort) the fuzzer keeps if it does not. */
static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, FUZZ_NAME ": property broken: %s\n", what);
		abort();
	}
}

/* A refusal is one non-empty line. */
static void one_line(const char *why)
{
	check(why[0] != 0, "a refusal without a reason");
	check(strchr(why, '\n') == NULL && strchr(why, '\r') == NULL, "a reason of more than one line");
}

#endif
