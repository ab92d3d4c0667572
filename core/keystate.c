/*
 * keystate.c - who may sign what, at which log index.  One set of rules,
 * run over the LMDB keys projection when writing and over an in-memory table
 * rebuilt from the log when verifying.
 */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>

#define SAY(...) \
	do { \
		if (why && whylen) \
			snprintf(why, whylen, __VA_ARGS__); \
	} while (0)

int muster_keys_authorize(const struct keytab *t, const muster_entry *e, char *why, size_t whylen)
{
	char id[MUSTER_KEYID_HEX];
	if (e->type == MUSTER_EV_SITE_INIT || e->index == 0) {
		if (e->type == MUSTER_EV_SITE_INIT && e->index == 0)
			return 0;
		SAY("site.init must be the first entry and only the first");
		return MUSTER_ESTATE;
	}
	uint8_t kid[MUSTER_KEYID_BYTES];
	muster_key_id(e->signer, kid);
	sodium_bin2hex(id, sizeof id, kid, sizeof kid); /* for the messages below */
	struct keyrec k;
	int rc = t->get(t->ctx, kid, &k);
	if (rc == MUSTER_ENOTFOUND || (rc == 0 && sodium_memcmp(k.pk, e->signer, MUSTER_PK_BYTES) != 0)) {
		SAY("signer key %s is not enrolled", id);
		return MUSTER_EPERM;
	}
	if (rc)
		return rc;
	if (k.revoked_at != MUSTER_NOT_REVOKED && e->index > k.revoked_at) {
		SAY("signer key %s was revoked at entry %" PRIu64, id, k.revoked_at);
		return MUSTER_EPERM;
	}
	uint32_t need = muster_event_roles(e->type);
	if (!(k.roles & need)) {
		char have[128], want[128];
		if (muster_roles_format(k.roles, have, sizeof have) || muster_roles_format(need, want, sizeof want))
			return MUSTER_EINVAL;
		SAY("signer key %s holds roles %s; %s needs one of %s", id, have,
			muster_event_name(e->type) ? muster_event_name(e->type) : "this event", want);
		return MUSTER_EPERM;
	}
	return 0;
}

/* Would taking admin away from k leave the site without an active admin? */
static int last_admin(const struct keytab *t, const struct keyrec *k, int *last)
{
	uint64_t n;
	int rc;
	*last = 0;
	if (!(k->roles & MUSTER_ROLE_ADMIN) || k->revoked_at != MUSTER_NOT_REVOKED)
		return 0;
	if ((rc = t->admins(t->ctx, &n)) != 0)
		return rc;
	*last = n <= 1;
	return 0;
}

int muster_keys_apply(const struct keytab *t, const muster_entry *e, char *why, size_t whylen)
{
	struct keyrec k;
	uint8_t kid[MUSTER_KEYID_BYTES];
	char id[MUSTER_KEYID_HEX];
	int rc, last;

	switch (e->type) {
	case MUSTER_EV_SITE_INIT: {
		muster_ev_site_init v;
		if ((rc = muster_ev_site_init_decode(e->body, e->body_len, &v)) != 0)
			return rc;
		memset(&k, 0, sizeof k);
		memcpy(k.pk, e->signer, MUSTER_PK_BYTES);
		k.roles = MUSTER_ROLE_ADMIN;
		k.enrolled_at = k.roles_at = e->index;
		k.revoked_at = MUSTER_NOT_REVOKED;
		memcpy(k.holder, v.holder.p, v.holder.n);
		k.holder_len = v.holder.n;
		muster_key_id(e->signer, kid);
		return t->put(t->ctx, kid, &k);
	}
	case MUSTER_EV_KEY_ENROL:
	case MUSTER_EV_KEY_ROLES:
	case MUSTER_EV_KEY_REVOKE:
		break;
	default:
		return 0; /* no effect on keys */
	}

	muster_ev_key v;
	if ((rc = muster_ev_key_decode(e->type, e->body, e->body_len, &v)) != 0)
		return rc;
	muster_key_id(v.pk, kid);
	muster_key_id_hex(v.pk, id);
	rc = t->get(t->ctx, kid, &k);
	if (rc != 0 && rc != MUSTER_ENOTFOUND)
		return rc;

	if (e->type == MUSTER_EV_KEY_ENROL) {
		if (rc == 0) {
			SAY("key %s is already enrolled (holder %.*s)", id, (int)k.holder_len, k.holder);
			return MUSTER_EEXIST;
		}
		memset(&k, 0, sizeof k);
		memcpy(k.pk, v.pk, MUSTER_PK_BYTES);
		k.roles = v.roles;
		k.enrolled_at = k.roles_at = e->index;
		k.revoked_at = MUSTER_NOT_REVOKED;
		memcpy(k.holder, v.text.p, v.text.n);
		k.holder_len = v.text.n;
		return t->put(t->ctx, kid, &k);
	}
	if (rc == MUSTER_ENOTFOUND) {
		SAY("key %s is not enrolled", id);
		return MUSTER_ENOTFOUND;
	}
	if (k.revoked_at != MUSTER_NOT_REVOKED) {
		SAY("key %s is already revoked", id);
		return MUSTER_ESTATE;
	}
	if ((rc = last_admin(t, &k, &last)) != 0)
		return rc;
	if (last && (e->type == MUSTER_EV_KEY_REVOKE || !(v.roles & MUSTER_ROLE_ADMIN))) {
		SAY("key %s is the last active admin; enrol another admin first", id);
		return MUSTER_ESTATE;
	}
	if (e->type == MUSTER_EV_KEY_ROLES) {
		k.roles = v.roles;
		k.roles_at = e->index;
	} else {
		k.revoked_at = e->index;
	}
	return t->put(t->ctx, kid, &k);
}

void muster_keyrec_encode(muster_buf *b, const struct keyrec *k)
{
	muster_put_bytes(b, k->pk, MUSTER_PK_BYTES);
	muster_put_uint(b, k->roles);
	muster_put_uint(b, k->enrolled_at);
	/* 0: not revoked; else revocation index + 1 */
	muster_put_uint(b, k->revoked_at == MUSTER_NOT_REVOKED ? 0 : k->revoked_at + 1);
	muster_put_text(b, k->holder, k->holder_len);
	/* After the holder, so that rows written before it was kept still read. */
	muster_put_uint(b, k->roles_at);
}

int muster_keyrec_decode(const uint8_t *p, size_t n, struct keyrec *k)
{
	muster_rd r;
	muster_rd_init(&r, p, n);
	const uint8_t *pk = muster_get_fixed(&r, MUSTER_PK_BYTES);
	uint64_t roles = muster_get_uint(&r);
	k->enrolled_at = muster_get_uint(&r);
	uint64_t rev = muster_get_uint(&r);
	const char *h = muster_get_text(&r, &k->holder_len, MUSTER_NAME_MAX);
	k->roles_at = r.off < r.len ? muster_get_uint(&r) : k->enrolled_at;
	if (muster_rd_end(&r) != 0 || roles > MUSTER_ROLE_ALL)
		return MUSTER_ECORRUPT;
	memcpy(k->pk, pk, MUSTER_PK_BYTES);
	k->roles = (uint32_t)roles;
	k->revoked_at = rev == 0 ? MUSTER_NOT_REVOKED : rev - 1;
	memcpy(k->holder, h, k->holder_len);
	return 0;
}
