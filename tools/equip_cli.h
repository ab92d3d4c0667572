/* equip_cli.h - what the equipment commands share. */
#ifndef MUSTER_EQUIP_CLI_H
#define MUSTER_EQUIP_CLI_H

#include "commands.h"

/* LIST and KV values collected from repeated options, per tag. */
struct field_bufs {
	muster_buf items[MUSTER_FIELDS_MAX];
	uint64_t count[MUSTER_FIELDS_MAX];
	muster_mask used;
};
void field_bufs_free(struct field_bufs *fb);

/*
 * Fills r from the --name value options that name fields in allowed;
 * options in extra (NULL-terminated, may be NULL) and the general ones are
 * skipped; any other option dies naming what `what` takes.
 */
void cli_fields(const struct opts *o, const char *what, muster_mask allowed, const char *const *extra, muster_rec *r,
	struct field_bufs *fb);
/* Dies naming the options a command of this type still needs. */
void cli_require(const char *what, uint64_t type, const muster_rec *r);
/* Signs and appends one field-record event in its own commit. */
int cli_append_rec(muster_store *s, const muster_signer *signer, uint64_t type, const muster_rec *r,
	uint64_t *index);
/* Appends r's fields as JSON members ("name":value,...) without braces or a leading comma. */
void cli_rec_fields(muster_buf *b, const muster_rec *r);
/* A snapshot of the store (dies if it cannot be read). */
muster_snap *cli_snapshot(muster_store *s);
/* Dies on an option that is neither general (--store, --key, --passphrase-file) nor in allowed (may be NULL). */
void cli_only(const struct opts *o, const char *what, const char *const *allowed);
/* Today in Asia/Shanghai, YYYYMMDD. */
uint64_t cli_today(void);

/*
 * CSV (csv.c): appends one RFC 4180 field, s[0..n), preceded by a comma
 * unless first; quoted, with quotes doubled, when it holds a comma, a quote,
 * CR or LF.  csv_cstr takes a NUL-terminated s.
 */
void csv_field(muster_buf *b, const char *s, size_t n, int first);
void csv_cstr(muster_buf *b, const char *s, int first);

/*
 * What a scanned or typed asset reference means: a label payload is parsed
 * and its signature, site and serial checked; anything else is taken as an
 * asset id.  0 and id (NUL-terminated) or a MUSTER_E* code and a reason.
 */
int cli_asset_ref(muster_snap *sn, const char *text, char id[MUSTER_TAG_ID_MAX + 1], char *why, size_t whylen);
/* The same, dying with the reason. */
void cli_resolve_asset(muster_store *s, const char *text, char id[MUSTER_TAG_ID_MAX + 1]);

int cmd_equip_read(const struct opts *o, const char *noun, const char *verb);
/*
 * Appends the members of entry index's JSON object, without braces: index,
 * type, time, signer (key id), holder, signature_ok and the decoded fields.
 * *sig_ok (may be NULL) receives whether its signature verifies.
 */
int cli_entry_members(muster_buf *b, muster_snap *sn, uint64_t index, int *sig_ok);

/* People (cmd_people.c). */
/* Fills what a people command may leave out: "T" + ID for a special operation number (in tnum), times now. */
void cli_people_defaults(muster_store *s, uint64_t type, muster_rec *r, char tnum[24]);
/* What a people write prints. */
void cli_people_report(const struct opts *o, muster_store *s, uint64_t type, const muster_rec *r, uint64_t index);

#endif
