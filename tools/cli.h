/*
 * cli.h - what the parts of the muster command share: parsed options,
 * bilingual messages, error exits.
 */
#ifndef MUSTER_CLI_H
#define MUSTER_CLI_H

#include <muster/muster.h>
#include <stdio.h>

/* Exit codes (docs/CLI.md). */
enum {
	EXIT_OK = 0,
	EXIT_VERIFY = 1,   /* verification failed or a check found problems */
	EXIT_USAGE = 2,    /* usage or bad input */
	EXIT_NOTFOUND = 3, /* not found */
	EXIT_PERM = 4,     /* role, revoked key, wrong passphrase */
	EXIT_IO = 5,       /* store or I/O error */
};

#define MAX_POS 8

struct opts {
	const char *store;
	const char *key;
	const char *pass_file;
	int json;
	int mirrors; /* --mirrors: every mirror of a central store (central.h) */
	const char *pos[MAX_POS]; /* command words and operands */
	int npos;
	/* command options; NULL when not given */
	const char *origin, *admin_key, *out, *holder, *reason, *size, *index, *old, *new_, *from, *count,
		*threads, *kdf;
	const char *roles[16];
	int nroles;
	/* every --name value as given, in order; slotted: it also filled a field above */
	struct opt_kv {
		const char *name, *val;
		int slotted;
	} kv[96];
	int nkv;
};

/* The value of --name (the last one given), or NULL. */
const char *cli_opt(const struct opts *o, const char *name);
/* Dies naming the first option that filled no field above: for commands that take none. */
void cli_no_extra(const struct opts *o);

/* 1 when messages should be in Chinese (LC_ALL / LC_MESSAGES / LANG start with "zh"). */
int cli_zh(void);
/* Picks the message for the user's language.  The two must take the same arguments. */
#ifdef __GNUC__
__attribute__((format_arg(1), format_arg(2)))
#endif
static inline const char *L(const char *en, const char *zh)
{
	return cli_zh() ? zh : en;
}

/* The exit code for a MUSTER_E* code. */
int cli_exit_code(int rc);

/* Prints "muster: <message>" (one line) on stderr and exits with code. */
#ifdef __GNUC__
__attribute__((noreturn, format(printf, 2, 3)))
#endif
void die(int code, const char *fmt, ...);

/* The library's description of rc in the user's language. */
const char *cli_strerror(int rc);

#endif
