/* attach.h - files attached to spending, kept beside the store (attach.c). */
#ifndef MUSTER_ATTACH_H
#define MUSTER_ATTACH_H

#include "equip_cli.h"

/* What one command stored, so that a refused write can take it back. */
struct attached {
	char *dir;      /* <store>/attachments */
	char *made[32]; /* files this command created */
	size_t n;
	int lock, intent; /* attachments/.lock, held; attachments/.pending, open (or -1) */
	char *pending;
};

/*
 * For each --attach FILE: copies the file into <store>/attachments/<sha256>
 * (through a temporary name, synced) and adds the hash to r's attachments
 * as if given with --attachments.  Holds the attachments lock from then
 * until cli_attach_undo or cli_attach_done, which the caller calls after
 * its write is refused or committed (attach.c says why).  Dies on an
 * unreadable file, removing what it stored.
 */
void cli_attach(const struct opts *o, muster_store *s, muster_rec *r, struct field_bufs *fb, struct attached *a);
/* Removes the files this command created (the write was refused), releases the lock and frees a. */
void cli_attach_undo(struct attached *a);
/* Keeps the files (the write was committed), releases the lock and frees a. */
void cli_attach_done(struct attached *a);

/*
 * Re-hashes every file in <store>/attachments: 0 and *files the number that
 * match their names (0 if there is no such directory), 1 and bad the name
 * of the first that does not (an altered file), -1 with errno if one cannot
 * be read.
 */
int cli_attachments_verify(const struct opts *o, uint64_t *files, char bad[65]);

/* muster spend attachment SHA256 [--out FILE]: the stored file, checked against its hash. */
int cmd_spend_attachment(const struct opts *o);

#endif
