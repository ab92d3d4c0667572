/*
 * muster/site.h - the first projections: enrolled keys and the duty journal.
 */
#ifndef MUSTER_SITE_H
#define MUSTER_SITE_H

#include <muster/common.h>
#include <muster/event.h>
#include <muster/store.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_NOT_REVOKED UINT64_MAX

typedef struct muster_key_info {
	uint8_t id[MUSTER_KEYID_BYTES];
	uint8_t pk[MUSTER_PK_BYTES];
	uint32_t roles;
	uint64_t enrolled_at; /* log index of the enrolment */
	uint64_t revoked_at;  /* log index of the revocation, or MUSTER_NOT_REVOKED */
	muster_text holder;   /* valid during the callback / until the next call */
	uint64_t roles_at;    /* log index of the entry that set its roles: the enrolment or the latest key.roles */
} muster_key_info;

typedef int (*muster_key_cb)(const muster_key_info *k, void *arg);
/* Every key, in key-id order.  cb returns non-zero to stop. */
MUSTER_API int muster_key_list(muster_store *s, muster_key_cb cb, void *arg) MUSTER_WUR;
/* One key by id; k->holder is valid until the next call with the same buf. */
MUSTER_API int muster_key_get(muster_store *s, const uint8_t id[MUSTER_KEYID_BYTES], muster_key_info *k,
	muster_buf *buf) MUSTER_WUR;

typedef struct muster_journal_info {
	uint64_t index;
	uint64_t time_ms;
	uint8_t signer_id[MUSTER_KEYID_BYTES];
	muster_text text;
} muster_journal_info;

typedef int (*muster_journal_cb)(const muster_journal_info *j, void *arg);
/* Journal entries in log order. */
MUSTER_API int muster_journal_list(muster_store *s, muster_journal_cb cb, void *arg) MUSTER_WUR;

#ifdef __cplusplus
}
#endif
#endif
