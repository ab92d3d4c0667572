/* commands.h - the command implementations and the helpers they share. */
#ifndef MUSTER_COMMANDS_H
#define MUSTER_COMMANDS_H

#include "cli.h"

struct pass {
	char *p; /* sodium_malloc'd, NUL-terminated */
	size_t n;
};

int cmd_init(const struct opts *o);
int cmd_key(const struct opts *o, const char *sub);
int cmd_journal(const struct opts *o, const char *sub);
int cmd_log(const struct opts *o, const char *sub);
/* muster log export --tiles DIR (tiles.c). */
int cli_log_export(const struct opts *o, muster_store *s);
/* muster log bundle --since SIZE --out FILE (tiles.c). */
int cli_log_bundle(const struct opts *o, muster_store *s);
int cmd_reindex(const struct opts *o);
/* muster backup DIR: a hot, compacted copy of the store and the files beside it (cmd_backup.c). */
int cmd_backup(const struct opts *o);
/* muster compact: the store, and a central store's mirrors, compacted in place while unused (cmd_backup.c). */
int cmd_compact(const struct opts *o);
/* muster restore BACKUP: a backup, verified in full, put in place of the store, the old one kept aside (cmd_backup.c). */
int cmd_restore(const struct opts *o);
/* --witness VKEY: a witness's cosignature key (0x04), or dies (exit 2) naming it (cmd_mirror.c). */
void cli_witness_opt(const char *vkey, muster_verifier *w);
/* muster reindex --check: the projections against a rebuild that is thrown away (cmd_log.c). */
int cli_reindex_check(const struct opts *o);
/* muster mirror add|import|pull|status|witness; muster witness vkey (cmd_mirror.c). */
int cmd_mirror(const struct opts *o, const char *sub);
int cmd_witness(const struct opts *o, const char *sub);
/* muster log cosigned FILE --witness VKEY (cmd_mirror.c). */
int cli_log_cosigned(const struct opts *o, muster_store *s);
/* muster log witness --url URL --witness VKEY: C2SP tlog-witness add-checkpoint (cmd_mirror.c). */
int cli_log_witness(const struct opts *o, muster_store *s);
int cmd_equip(const struct opts *o, const char *noun, const char *verb);
int cmd_scan(const struct opts *o);
int cmd_label(const struct opts *o);
int cmd_tag(const struct opts *o, const char *sub);
int cmd_gen(const struct opts *o);
/* person, cert, exam, deploy reads; ready; due (cmd_people.c). */
int cmd_people(const struct opts *o, const char *noun, const char *verb);
/* muster audit: the findings (cmd_audit.c). */
int cmd_audit(const struct opts *o);
/* muster audit summary (cmd_summary.c). */
int cmd_audit_summary(const struct opts *o);
/* muster report list | run: province report plugins (cmd_report.c). */
int cmd_report(const struct opts *o);

const char *cli_store_dir(const struct opts *o);
/* "dir/name", malloc'd (dies when out of memory). */
char *cli_path_join(const char *dir, const char *name);
muster_store *cli_open(const struct opts *o);
/* The acting person's key, unsealed (exits on failure). */
muster_signer *cli_signer(const struct opts *o);
struct pass cli_passphrase(const struct opts *o, const char *what, int confirm);
void cli_pass_free(struct pass *ps);
uint64_t cli_uint(const char *opt, const char *s);
/* The Argon2id cost --kdf names (interactive by default); dies on a bad one. */
muster_kdf cli_kdf(const struct opts *o);
/* Signs and appends one event with body in its own write; 0 or MUSTER_E*. */
int cli_append_body(muster_store *s, const muster_signer *signer, uint64_t type, const uint8_t *body, size_t len,
	uint64_t *index);
#ifdef __GNUC__
__attribute__((noreturn))
#endif
void cli_write_failed(muster_store *s, const char *what, int rc);
/* Appends s[0..n) padded to `width` display columns (CJK counts two), then two spaces. */
void cli_col(muster_buf *b, const char *s, size_t n, size_t width);
/* Writes b to stdout and frees it (exits on failure). */
void cli_emit(muster_buf *b);
/* Writes data to path whole or not at all (a temporary file beside it, fsync, rename); dies on failure. */
void cli_write_file(const char *path, const muster_buf *data);
/* Appends "proof":[base64 hashes] (cmd_log.c). */
void cli_proof_json(muster_buf *b, uint8_t (*proof)[MUSTER_HASH_BYTES], size_t n);


/* ---- signed reports (publish.c) ---- */
/* The site's report key (dies if the site log key cannot be read); free with muster_signer_free. */
muster_signer *cli_report_key(muster_store *s);
/* Its minisign key id as minisign prints it (16 hex digits). */
void cli_key_id_text(const muster_signer *k, char out[17]);
/* path + suffix, malloc'd (room for 23 more bytes). */
char *cli_path_plus(const char *path, const char *suffix);
/* Dies (exit 5, one line) unless the directory out would be written in is writable. */
void cli_out_writable(const char *out);
/* A temporary name beside out ("out.tmp<pid>"), malloc'd. */
char *cli_report_tmp(const char *out);
struct publish {
	muster_store *s;
	const muster_signer *key;
	const char *key_id;
	const char *tmp, *out; /* the finished report, and the name it gets */
	const char *origin, *root; /* root: base64 at size */
	const char *what;      /* the trusted comment's middle: "year:2026" or "report:national month:2026-10" */
	uint64_t size;
	long long now;
};
/*
 * Signs p->tmp with the report key into out.minisig (trusted comment
 * "timestamp:T origin:O <what> size:N root:R file:BASENAME") and renames
 * tmp to out; dies (tmp removed, nothing left) on failure.  Returns the
 * signature's path, malloc'd.
 */
char *cli_publish(const struct publish *p);

#endif
