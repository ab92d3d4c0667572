/*
 * central.h - `--mirrors`: a read command run over every mirror a central
 * office keeps (STORE/mirrors/<escaped origin>/, include/muster/mirror.h)
 * and over the central store itself when it has data of its own for the
 * command (docs/CLI.md, "Central views"; docs/REPLICATION.md).
 *
 * The sites are the central store (first, when the command keeps it) and
 * then every directory under STORE/mirrors/ that holds a file "mirror", in
 * byte order of the directory names; hidden names (".x") and directories
 * without the file are skipped.  A mirror that cannot be opened is said in
 * one line on stderr, left out, and makes the command exit 5 at the end.
 */
#ifndef MUSTER_CENTRAL_H
#define MUSTER_CENTRAL_H

#include "equip_cli.h"

struct site {
	char *dir;         /* the store's directory, malloc'd */
	char *name;        /* its directory name under mirrors/ (malloc'd), or NULL: the central store */
	muster_store *s;   /* open while the command reads it */
	char *origin;      /* its origin (a copy), once it has been opened */
	char *error;       /* why it could not be opened (malloc'd), or NULL */
};

struct sites {
	struct site *v;
	size_t n;
	size_t failed;     /* mirrors that could not be opened, each said on stderr */
	const char *store; /* the central store's directory */
};

/*
 * The central store (v[0], open: dies as cli_open does if it is not
 * there) and every mirror under it (closed), in order.
 */
void central_list(const struct opts *o, struct sites *out);
/* Leaves the central store out (closing it): for a command it has no data for. */
void central_drop_central(struct sites *ss);
/* central_list, and then the central store is left out unless has(a snapshot of it) says it has data for the command. */
void central_list_if(const struct opts *o, struct sites *ss, int (*has)(muster_snap *sn));
/*
 * Opens site k (a no-op for an open one).  NULL when it cannot be opened
 * (or could not before): then, the first time, the one stderr line is
 * written ending in what (NULL: "it is left out"), ss->failed counted and
 * v[k].error kept.
 */
muster_store *central_open(struct sites *ss, size_t k, const char *what);
void central_close(struct sites *ss, size_t k);
void central_free(struct sites *ss);

/* "== site ORIGIN ==" (and "(this store)" for the central one), then a newline: a text section's heading. */
void central_heading(muster_buf *b, const struct site *st);
/* {"origin":…,"mirror":NAME|null, then the caller's members, and "}" by the caller. */
void central_site_json(muster_buf *b, const struct site *st);
/* The sites left out (could not be opened) as whole objects, after the listed ones already in the array b. */
void central_left_out_json(muster_buf *b, const struct sites *ss, size_t listed);
/* An item's head: '{', its site's "origin":ORIGIN, first in a --mirrors list (origin not NULL), then "key": for its value. */
void central_item_json(muster_buf *b, const char *origin, const char *key);
/* 1 if the table of sn has a row: whether the central store has data of its own for a command. */
int central_has_rows(muster_snap *sn, int table);
/* 1 if sn has spending or budgets: the central store's own data for audit and audit summary. */
int central_has_spending(muster_snap *sn);
/* 1 if team and fund (NULL: any) are registered in sn: a site is read for --team T or --fund F only then. */
int central_registered(muster_snap *sn, const char *team, const char *fund);
/* --mirrors with --team T (or else --fund F) that no site read has registered: exit 3. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
void central_no_site(const char *team, const char *fund);
/* "s" unless n is 1: English plurals of "site" (Chinese has none; its formats skip the argument with %.0s). */
const char *central_s(size_t n);
/* The exit code once the output is written: code, or 5 when a mirror was left out. */
int central_exit(const struct sites *ss, int code);

#endif
