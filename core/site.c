/*
 * site.c - the projections of the first event types: site metadata, keys
 * and the duty journal; and the reads over them.
 */
#include "internal.h"

static int kt_get(void *vctx, const uint8_t id[MUSTER_KEYID_BYTES], struct keyrec *out)
{
	struct lmdb_keytab *c = vctx;
	MDB_val k = {MUSTER_KEYID_BYTES, (void *)id}, v;
	int rc = mdb_get(c->txn, c->dbi, &k, &v);
	if (rc)
		return muster_mdb_err(rc);
	return muster_keyrec_decode(v.mv_data, v.mv_size, out);
}

static int kt_put(void *vctx, const uint8_t id[MUSTER_KEYID_BYTES], const struct keyrec *rec)
{
	struct lmdb_keytab *c = vctx;
	muster_buf_reset(&c->buf);
	muster_keyrec_encode(&c->buf, rec);
	if (c->buf.err)
		return c->buf.err;
	MDB_val k = {MUSTER_KEYID_BYTES, (void *)id}, v = {c->buf.len, c->buf.data};
	int rc = mdb_put(c->txn, c->dbi, &k, &v, 0);
	if (rc == MDB_MAP_FULL)
		c->map_full = 1;
	return muster_mdb_err(rc);
}

static int kt_admins(void *vctx, uint64_t *n)
{
	struct lmdb_keytab *c = vctx;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t count = 0;
	int rc = mdb_cursor_open(c->txn, c->dbi, &cur);
	if (rc)
		return muster_mdb_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct keyrec r;
		if (muster_keyrec_decode(v.mv_data, v.mv_size, &r) != 0) {
			mdb_cursor_close(cur);
			return MUSTER_ECORRUPT;
		}
		if ((r.roles & MUSTER_ROLE_ADMIN) && r.revoked_at == MUSTER_NOT_REVOKED)
			count++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return muster_mdb_err(rc);
	*n = count;
	return 0;
}

void muster_keytab_lmdb(struct keytab *t, struct lmdb_keytab *ctx, MDB_txn *txn, MDB_dbi dbi)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->txn = txn;
	ctx->dbi = dbi;
	t->ctx = ctx;
	t->get = kt_get;
	t->put = kt_put;
	t->admins = kt_admins;
}

static int put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return muster_mdb_err(mdb_put(txn, dbi, &k, &v, 0));
}

int muster_project(MDB_txn *txn, const MDB_dbi *dbi, const muster_entry *e, char *why, size_t whylen)
{
	struct lmdb_keytab kctx;
	struct keytab kt;
	muster_keytab_lmdb(&kt, &kctx, txn, dbi[DB_KEYS]);
	int rc = muster_keys_apply(&kt, e, why, whylen);
	muster_buf_free(&kctx.buf);
	if (rc)
		return rc;

	switch (e->type) {
	case MUSTER_EV_SITE_INIT: {
		muster_ev_site_init v;
		uint8_t format = MUSTER_STORE_FORMAT;
		if ((rc = muster_ev_site_init_decode(e->body, e->body_len, &v)) != 0)
			return rc;
		if ((rc = put(txn, dbi[DB_META], "format", 6, &format, 1)) || (rc = put(txn, dbi[DB_META], "origin", 6, v.origin.p, v.origin.n)) ||
			(rc = put(txn, dbi[DB_META], "log_pk", 6, v.log_pk, MUSTER_PK_BYTES)) ||
			(rc = put(txn, dbi[DB_META], "tag_pk", 6, v.tag_pk, MUSTER_PK_BYTES)))
			return rc;
		return 0;
	}
	case MUSTER_EV_JOURNAL: {
		muster_ev_journal v;
		if ((rc = muster_ev_journal_decode(e->body, e->body_len, &v)) != 0)
			return rc;
		uint8_t kb[8], id[MUSTER_KEYID_BYTES];
		muster_buf b = {0};
		be64_put(kb, e->index);
		muster_key_id(e->signer, id);
		muster_put_uint(&b, e->time_ms);
		muster_put_bytes(&b, id, sizeof id);
		muster_put_text(&b, v.text.p, v.text.n);
		rc = b.err ? b.err : put(txn, dbi[DB_JOURNAL], kb, 8, b.data, b.len);
		muster_buf_free(&b);
		return rc;
	}
	default:
		return muster_equip_apply(txn, dbi, e, why, whylen);
	}
}

static void info_from(muster_key_info *k, const uint8_t *id, const struct keyrec *r, muster_buf *buf)
{
	memcpy(k->id, id, MUSTER_KEYID_BYTES);
	memcpy(k->pk, r->pk, MUSTER_PK_BYTES);
	k->roles = r->roles;
	k->enrolled_at = r->enrolled_at;
	k->revoked_at = r->revoked_at;
	k->roles_at = r->roles_at;
	muster_buf_reset(buf);
	muster_buf_put(buf, r->holder, r->holder_len);
	k->holder.p = (const char *)buf->data;
	k->holder.n = r->holder_len;
}

int muster_key_list(muster_store *s, muster_key_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	muster_buf buf = {0};
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	if ((rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_KEYS], &cur))) != 0) {
		muster_read_end(s, txn);
		return rc;
	}
	int mrc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct keyrec r;
		muster_key_info info;
		if (k.mv_size != MUSTER_KEYID_BYTES || muster_keyrec_decode(v.mv_data, v.mv_size, &r) != 0) {
			rc = MUSTER_ECORRUPT;
			break;
		}
		info_from(&info, k.mv_data, &r, &buf);
		if (buf.err) {
			rc = buf.err;
			break;
		}
		if ((rc = cb(&info, arg)) != 0)
			break;
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	mdb_cursor_close(cur);
	muster_read_end(s, txn);
	muster_buf_free(&buf);
	return rc;
}

int muster_key_get(muster_store *s, const uint8_t id[MUSTER_KEYID_BYTES], muster_key_info *k, muster_buf *buf)
{
	MDB_txn *txn;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	MDB_val key = {MUSTER_KEYID_BYTES, (void *)id}, v;
	struct keyrec r;
	rc = muster_mdb_err(mdb_get(txn, s->dbi[DB_KEYS], &key, &v));
	if (rc == 0)
		rc = muster_keyrec_decode(v.mv_data, v.mv_size, &r);
	if (rc == 0) { /* r points into the map: copy it out before the transaction ends */
		info_from(k, id, &r, buf);
		rc = buf->err;
	}
	muster_read_end(s, txn);
	return rc;
}

int muster_journal_list(muster_store *s, muster_journal_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = muster_read_begin(s, &txn);
	if (rc)
		return rc;
	if ((rc = muster_mdb_err(mdb_cursor_open(txn, s->dbi[DB_JOURNAL], &cur))) != 0) {
		muster_read_end(s, txn);
		return rc;
	}
	int mrc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		muster_journal_info j;
		muster_rd r;
		if (k.mv_size != 8) {
			rc = MUSTER_ECORRUPT;
			break;
		}
		j.index = be64_get(k.mv_data);
		muster_rd_init(&r, v.mv_data, v.mv_size);
		j.time_ms = muster_get_uint(&r);
		const uint8_t *id = muster_get_fixed(&r, MUSTER_KEYID_BYTES);
		j.text.p = muster_get_text(&r, &j.text.n, MUSTER_TEXT_MAX);
		if (muster_rd_end(&r) != 0) {
			rc = MUSTER_ECORRUPT;
			break;
		}
		memcpy(j.signer_id, id, MUSTER_KEYID_BYTES);
		if ((rc = cb(&j, arg)) != 0)
			break;
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = muster_mdb_err(mrc);
	mdb_cursor_close(cur);
	muster_read_end(s, txn);
	return rc;
}
