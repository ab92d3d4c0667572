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
int cmd_reindex(const struct opts *o);
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

const char *cli_store_dir(const struct opts *o);
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

#endif
