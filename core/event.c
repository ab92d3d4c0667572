/* event.c - the canonical entry encoding and the event bodies. */
#include "internal.h"

#include <inttypes.h>

#define B(t) MUSTER_BIT(MF_##t)
#define KEEP (MUSTER_ROLE_ADMIN | MUSTER_ROLE_KEEPER)
#define HR (MUSTER_ROLE_ADMIN | MUSTER_ROLE_HR)
#define DEPLOY (MUSTER_ROLE_ADMIN | MUSTER_ROLE_KEEPER | MUSTER_ROLE_HR)
#define CERT_ID (B(PERSON) | B(KIND) | B(NUMBER) | B(ITEM))
#define FINANCE (MUSTER_ROLE_ADMIN | MUSTER_ROLE_FINANCE)
/* Fields an asset's descriptive record may carry, at registration or in a correction. */
#define ASSET_DESC (B(CATEGORY) | B(TYPE) | B(MODEL) | B(SERIAL) | B(MAKER) | B(ACQUIRED) | B(VALUE) | B(FUNDING) | \
	B(OWNER) | B(AGREEMENT) | B(CUSTODY_FROM) | B(CUSTODY_TO) | B(ATTRS) | B(NOTES) | B(NAME))

static const struct {
	uint64_t type;
	const char *name, *zh;
	uint32_t roles;
	muster_mask allowed, required; /* field-record types only */
} types[] = {
	{MUSTER_EV_SITE_INIT, "site.init", "建站", 0, 0, 0},
	{MUSTER_EV_KEY_ENROL, "key.enrol", "登记密钥", MUSTER_ROLE_ADMIN, 0, 0},
	{MUSTER_EV_KEY_ROLES, "key.roles", "变更角色", MUSTER_ROLE_ADMIN, 0, 0},
	{MUSTER_EV_KEY_REVOKE, "key.revoke", "吊销密钥", MUSTER_ROLE_ADMIN, 0, 0},
	/* Duty staff write the journal; auditors and reporters only read. */
	{MUSTER_EV_JOURNAL, "journal", "值班记录",
		MUSTER_ROLE_ADMIN | MUSTER_ROLE_KEEPER | MUSTER_ROLE_HR | MUSTER_ROLE_FINANCE | MUSTER_ROLE_APPROVER, 0, 0},
	{MUSTER_EV_SITE_URL, "site.url", "站点地址", MUSTER_ROLE_ADMIN, B(URL), B(URL)},
	{MUSTER_EV_TEAM_ADD, "team.add", "登记队伍", MUSTER_ROLE_ADMIN,
		B(TEAM) | B(NAME) | B(SPECIALTY) | B(PROVINCE) | B(HOST) | B(HOST_CODE) | B(OVERRIDE),
		B(TEAM) | B(NAME) | B(SPECIALTY) | B(PROVINCE) | B(HOST) | B(HOST_CODE)},
	{MUSTER_EV_DEPOT_ADD, "depot.add", "登记装备库", KEEP, B(TEAM) | B(DEPOT) | B(NAME) | B(LOCATION),
		B(TEAM) | B(DEPOT) | B(NAME)},
	{MUSTER_EV_ASSET_ADD, "asset.add", "登记装备", KEEP, B(ID) | ASSET_DESC | B(TEAM) | B(DEPOT) | B(EXTERNAL),
		B(ID) | B(CATEGORY) | B(TYPE) | B(MODEL) | B(FUNDING)},
	{MUSTER_EV_ASSET_UPDATE, "asset.update", "更正装备信息", KEEP, B(ID) | ASSET_DESC | B(REASON), B(ID) | B(REASON)},
	{MUSTER_EV_ASSET_RELABEL, "asset.relabel", "补发标签", KEEP, B(ID) | B(LABEL) | B(REASON), B(ID) | B(LABEL)},
	{MUSTER_EV_CHECKOUT, "custody.checkout", "借出", KEEP, B(DATE) |
		B(ID) | B(HOLDER) | B(PURPOSE) | B(DEPLOYMENT) | B(DUE) | B(NOTES), B(ID) | B(HOLDER) | B(PURPOSE)},
	{MUSTER_EV_RETURN, "custody.return", "归还", KEEP, B(DATE) | B(ID) | B(NOTES), B(ID)},
	{MUSTER_EV_REPAIR_OUT, "custody.repair_out", "送修", KEEP, B(DATE) | B(ID) | B(VENDOR) | B(DUE) | B(NOTES), B(ID) | B(VENDOR)},
	{MUSTER_EV_REPAIR_BACK, "custody.repair_back", "修复返库", KEEP, B(DATE) | B(ID) | B(NOTES), B(ID)},
	{MUSTER_EV_HANDOVER, "custody.handover", "移交", KEEP, B(DATE) |
		B(ID) | B(TO_TEAM) | B(TO_DEPOT) | B(AGREEMENT) | B(NOTES), B(ID) | B(TO_TEAM)},
	{MUSTER_EV_ACCEPT, "custody.accept", "接收", KEEP, B(DATE) | B(ID) | B(DEPOT) | B(NOTES), B(ID)},
	{MUSTER_EV_CANCEL, "custody.cancel", "撤销移交", KEEP, B(DATE) | B(ID) | B(REASON), B(ID)},
	{MUSTER_EV_REQUISITION, "custody.requisition", "征用", KEEP, B(DATE) |
		B(ID) | B(ORDER) | B(PURPOSE) | B(DEPLOYMENT) | B(NOTES), B(ID) | B(ORDER)},
	{MUSTER_EV_RELEASE, "custody.release", "征用归还", KEEP, B(DATE) | B(ID) | B(NOTES), B(ID)},
	{MUSTER_EV_SCRAP, "asset.scrap", "报废", KEEP, B(DATE) | B(ID) | B(REASON), B(ID) | B(REASON)},
	{MUSTER_EV_INSPECT_RULE, "inspect.rule", "检查规则", KEEP, B(TYPE) | B(KIND) | B(INTERVAL),
		B(TYPE) | B(KIND) | B(INTERVAL)},
	{MUSTER_EV_INSPECT, "inspect.record", "检查记录", KEEP,
		B(ID) | B(KIND) | B(RESULT) | B(DATE) | B(INSPECTOR) | B(NOTES) | B(DUE),
		B(ID) | B(KIND) | B(RESULT) | B(DATE) | B(INSPECTOR)},
	{MUSTER_EV_COUNT_START, "count.start", "开始盘点", KEEP, B(COUNT) | B(DEPOT), B(COUNT) | B(DEPOT)},
	{MUSTER_EV_COUNT_SCAN, "count.scan", "盘点扫描", KEEP, B(COUNT) | B(ID), B(COUNT) | B(ID)},
	{MUSTER_EV_COUNT_CLOSE, "count.close", "盘点结果", KEEP,
		B(COUNT) | B(MISSING) | B(UNEXPECTED) | B(MATCHED) | B(DIGEST) | B(NOTES), B(COUNT) | B(MATCHED) | B(DIGEST)},
	{MUSTER_EV_PERSON_ADD, "person.add", "人员入队", HR,
		B(PERSON) | B(NAME) | B(TEAM) | B(POSITION) | B(HIRED) | B(SPECIAL) | B(HAZARDS) | B(NOTES),
		B(PERSON) | B(NAME) | B(TEAM) | B(POSITION) | B(HIRED)},
	{MUSTER_EV_PERSON_UPDATE, "person.update", "人员变更", HR,
		B(PERSON) | B(NAME) | B(TEAM) | B(POSITION) | B(HIRED) | B(SPECIAL) | B(HAZARDS) | B(STATUS) | B(DATE) |
			B(SIGNER) | B(REASON) | B(NOTES),
		B(PERSON) | B(REASON)},
	{MUSTER_EV_CERT_KIND, "cert.kind", "证书类别", HR,
		B(KIND) | B(NAME) | B(VALIDITY) | B(REVIEW) | B(WINDOW) | B(HOURS) | B(T_NUMBER) | B(NOTES), B(KIND) | B(NAME)},
	{MUSTER_EV_CERT_ADD, "cert.add", "登记证书", HR,
		CERT_ID | B(OP_CATEGORY) | B(ISSUER) | B(VALID_FROM) | B(VALID_TO) | B(REVIEWED) | B(NOTES),
		B(PERSON) | B(KIND) | B(NUMBER) | B(ISSUER) | B(VALID_FROM)},
	{MUSTER_EV_CERT_RENEW, "cert.renew", "换证", HR, CERT_ID | B(ISSUER) | B(VALID_FROM) | B(VALID_TO) | B(NOTES),
		B(PERSON) | B(KIND) | B(NUMBER) | B(VALID_FROM)},
	{MUSTER_EV_CERT_REVIEW, "cert.review", "证书复审", HR, CERT_ID | B(DATE) | B(HOURS) | B(ISSUER) | B(NOTES),
		B(PERSON) | B(KIND) | B(NUMBER) | B(DATE)},
	{MUSTER_EV_CERT_REVOKE, "cert.revoke", "吊销证书", HR, CERT_ID | B(DATE) | B(REASON),
		B(PERSON) | B(KIND) | B(NUMBER) | B(REASON)},
	{MUSTER_EV_EXAM, "exam.record", "职业健康检查", HR,
		B(PERSON) | B(EXAM) | B(INSTITUTION) | B(DATE) | B(HAZARDS) | B(CONCLUSION) | B(ITEMS) | B(DUE) | B(CONTRA) |
			B(DEPLOYMENT) | B(NOTES),
		B(PERSON) | B(EXAM) | B(INSTITUTION) | B(DATE) | B(CONCLUSION)},
	{MUSTER_EV_HEALTH_RULE, "health.rule", "体检周期", HR, B(HAZARD) | B(INTERVAL) | B(NOTES), B(HAZARD) | B(INTERVAL)},
	{MUSTER_EV_POLICY, "site.policy", "站点规则", MUSTER_ROLE_ADMIN, B(EXAM_DAYS) | B(TARGET) | B(THRESHOLD) | B(NOTES), 0},
	{MUSTER_EV_DEPLOY_OPEN, "deploy.open", "出动", DEPLOY,
		B(DEPLOYMENT) | B(SOURCE) | B(ORDERED_BY) | B(INCIDENT) | B(LOCATION) | B(ORDERED) | B(TEAM) | B(TARGET) |
			B(NOTES),
		B(DEPLOYMENT) | B(SOURCE) | B(ORDERED_BY) | B(INCIDENT) | B(LOCATION) | B(ORDERED)},
	{MUSTER_EV_DEPLOY_PERSON, "deploy.person", "出动人员", DEPLOY, B(DEPLOYMENT) | B(PERSON) | B(REASON),
		B(DEPLOYMENT) | B(PERSON)},
	{MUSTER_EV_DEPLOY_TIME, "deploy.time", "出动时间", DEPLOY,
		B(DEPLOYMENT) | B(DEPARTED) | B(ARRIVED) | B(ENDED) | B(NOTES), B(DEPLOYMENT)},
	{MUSTER_EV_DEPLOY_RETURN, "deploy.return", "归建", DEPLOY, B(DEPLOYMENT) | B(RETURNED) | B(NOTES),
		B(DEPLOYMENT) | B(RETURNED)},
	{MUSTER_EV_DEPLOY_REPORT, "deploy.report", "出动报告", DEPLOY, B(DEPLOYMENT) | B(REPORTED) | B(NOTES),
		B(DEPLOYMENT) | B(REPORTED)},
	{MUSTER_EV_FUND_ADD, "fund.add", "登记资金", FINANCE,
		B(FUND) | B(NAME) | B(FUND_SOURCE) | B(OWNER) | B(INDUSTRY) | B(NOTES), B(FUND) | B(NAME) | B(FUND_SOURCE) | B(OWNER)},
	{MUSTER_EV_BUDGET_SET, "budget.set", "预算", FINANCE, B(FUND) | B(TEAM) | B(YEAR) | B(AMOUNT) | B(NOTES),
		B(FUND) | B(TEAM) | B(YEAR) | B(AMOUNT)},
	{MUSTER_EV_SPEND, "spend.record", "支出", FINANCE,
		B(DATE) | B(TEAM) | B(ID) | B(LINK) | B(SPEND_TYPE) | B(VENDOR) | B(VENDOR_CODE) | B(OVERRIDE) | B(INVOICE) |
			B(AMOUNT) | B(FUND) | B(ARTICLE) | B(ATTACHMENTS) | B(NOTES),
		B(DATE) | B(TEAM) | B(SPEND_TYPE) | B(VENDOR) | B(VENDOR_CODE) | B(INVOICE) | B(AMOUNT) | B(FUND)},
	{MUSTER_EV_SPEND_APPROVE, "spend.approve", "审批通过", MUSTER_ROLE_APPROVER, B(REF) | B(NOTES), B(REF)},
	{MUSTER_EV_SPEND_REJECT, "spend.reject", "审批驳回", MUSTER_ROLE_APPROVER, B(REF) | B(REASON), B(REF) | B(REASON)},
	{MUSTER_EV_AUDIT_DISPOSE, "audit.dispose", "审计处理", MUSTER_ROLE_AUDITOR, B(FINDING) | B(DISPOSITION) | B(NOTES),
		B(FINDING) | B(DISPOSITION) | B(NOTES)},
	{MUSTER_EV_FUND_SOURCE, "fund.source", "资金来源", FINANCE, B(FUND_SOURCE) | B(NAME) | B(RULES) | B(NOTES),
		B(FUND_SOURCE) | B(NAME)},
};
#undef B

#define NTYPES (sizeof types / sizeof types[0])

static int type_at(uint64_t type)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return (int)i;
	return -1;
}

const char *muster_event_name(uint64_t type)
{
	int i = type_at(type);
	return i < 0 ? NULL : types[i].name;
}

const char *muster_event_name_zh(uint64_t type)
{
	int i = type_at(type);
	return i < 0 ? NULL : types[i].zh;
}

uint64_t muster_event_type(const char *name)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return 0;
}

uint32_t muster_event_roles(uint64_t type)
{
	int i = type_at(type);
	return i < 0 ? 0 : types[i].roles;
}

int muster_event_schema(uint64_t type, muster_mask *allowed, muster_mask *required)
{
	int i = type_at(type);
	if (i < 0 || !types[i].allowed)
		return 0;
	*allowed = types[i].allowed;
	*required = types[i].required;
	return 1;
}

int muster_entry_decode(const uint8_t *p, size_t len, muster_entry *out)
{
	if (len > MUSTER_ENTRY_MAX)
		return MUSTER_ETOOBIG;
	muster_rd r;
	muster_entry e;
	muster_rd_init(&r, p, len);
	e.version = muster_get_uint(&r);
	if (r.err || e.version != MUSTER_ENTRY_VERSION)
		return MUSTER_ECORRUPT;
	e.type = muster_get_uint(&r);
	e.index = muster_get_uint(&r);
	e.time_ms = muster_get_uint(&r);
	const uint8_t *root = muster_get_raw(&r, MUSTER_HASH_BYTES);
	const uint8_t *signer = muster_get_raw(&r, MUSTER_PK_BYTES);
	e.body = muster_get_bytes(&r, &e.body_len);
	const uint8_t *sig = muster_get_raw(&r, MUSTER_SIG_BYTES);
	if (muster_rd_end(&r) != 0)
		return MUSTER_ECORRUPT;
	memcpy(e.prev_root, root, MUSTER_HASH_BYTES);
	memcpy(e.signer, signer, MUSTER_PK_BYTES);
	memcpy(e.sig, sig, MUSTER_SIG_BYTES);
	*out = e;
	return 0;
}

void muster_entry_encode_unsigned(muster_buf *b, const muster_entry *e)
{
	muster_put_uint(b, e->version);
	muster_put_uint(b, e->type);
	muster_put_uint(b, e->index);
	muster_put_uint(b, e->time_ms);
	muster_buf_put(b, e->prev_root, MUSTER_HASH_BYTES);
	muster_buf_put(b, e->signer, MUSTER_PK_BYTES);
	muster_put_bytes(b, e->body, e->body_len);
}

int muster_entry_verify(const uint8_t *p, size_t len, const muster_entry *e)
{
	/* Signed: "muster/event/v1" 0x00 || the entry without its last 64 bytes. */
	static const char dom[] = MUSTER_EVENT_DOMAIN;
	if (len < MUSTER_SIG_BYTES)
		return MUSTER_EVERIFY;
	uint8_t stackbuf[1024];
	size_t mlen = sizeof dom + len - MUSTER_SIG_BYTES;
	uint8_t *m = mlen <= sizeof stackbuf ? stackbuf : malloc(mlen);
	if (!m)
		return MUSTER_ENOMEM;
	memcpy(m, dom, sizeof dom);
	memcpy(m + sizeof dom, p, len - MUSTER_SIG_BYTES);
	int rc = crypto_sign_verify_detached(e->sig, m, mlen, e->signer) == 0 ? 0 : MUSTER_EVERIFY;
	if (m != stackbuf)
		free(m);
	return rc;
}

static int text_ok(const char *p, size_t n)
{
	return p && n > 0;
}

void muster_ev_site_init_encode(muster_buf *b, const muster_ev_site_init *v)
{
	muster_put_text(b, v->origin.p, v->origin.n);
	muster_put_bytes(b, v->log_pk, MUSTER_PK_BYTES);
	muster_put_bytes(b, v->tag_pk, MUSTER_PK_BYTES);
	muster_put_text(b, v->holder.p, v->holder.n);
}

int muster_ev_site_init_decode(const uint8_t *p, size_t n, muster_ev_site_init *out)
{
	muster_rd r;
	muster_ev_site_init v;
	muster_rd_init(&r, p, n);
	v.origin.p = muster_get_text(&r, &v.origin.n, MUSTER_ORIGIN_MAX);
	v.log_pk = muster_get_fixed(&r, MUSTER_PK_BYTES);
	v.tag_pk = muster_get_fixed(&r, MUSTER_PK_BYTES);
	v.holder.p = muster_get_text(&r, &v.holder.n, MUSTER_NAME_MAX);
	if (muster_rd_end(&r) != 0 || !muster_note_name_valid(v.origin.p, v.origin.n) || !text_ok(v.holder.p, v.holder.n))
		return MUSTER_ECORRUPT;
	*out = v;
	return 0;
}

void muster_ev_key_encode(muster_buf *b, uint64_t type, const muster_ev_key *v)
{
	muster_put_bytes(b, v->pk, MUSTER_PK_BYTES);
	if (type == MUSTER_EV_KEY_ENROL || type == MUSTER_EV_KEY_ROLES)
		muster_put_uint(b, v->roles);
	if (type == MUSTER_EV_KEY_ENROL || type == MUSTER_EV_KEY_REVOKE)
		muster_put_text(b, v->text.p, v->text.n);
}

int muster_ev_key_decode(uint64_t type, const uint8_t *p, size_t n, muster_ev_key *out)
{
	muster_rd r;
	muster_ev_key v = {0};
	muster_rd_init(&r, p, n);
	v.pk = muster_get_fixed(&r, MUSTER_PK_BYTES);
	if (type == MUSTER_EV_KEY_ENROL || type == MUSTER_EV_KEY_ROLES) {
		uint64_t roles = muster_get_uint(&r);
		if (roles == 0 || roles & ~(uint64_t)MUSTER_ROLE_ALL)
			return MUSTER_ECORRUPT;
		v.roles = (uint32_t)roles;
	}
	if (type == MUSTER_EV_KEY_ENROL) {
		v.text.p = muster_get_text(&r, &v.text.n, MUSTER_NAME_MAX);
		if (!r.err && !text_ok(v.text.p, v.text.n))
			return MUSTER_ECORRUPT;
	} else if (type == MUSTER_EV_KEY_REVOKE) {
		v.text.p = muster_get_text(&r, &v.text.n, MUSTER_TEXT_MAX); /* reason; may be empty */
	} else if (type != MUSTER_EV_KEY_ROLES) {
		return MUSTER_EINVAL;
	}
	if (muster_rd_end(&r) != 0)
		return MUSTER_ECORRUPT;
	*out = v;
	return 0;
}

void muster_ev_journal_encode(muster_buf *b, const muster_ev_journal *v)
{
	muster_put_text(b, v->text.p, v->text.n);
}

int muster_ev_journal_decode(const uint8_t *p, size_t n, muster_ev_journal *out)
{
	muster_rd r;
	muster_ev_journal v;
	muster_rd_init(&r, p, n);
	v.text.p = muster_get_text(&r, &v.text.n, MUSTER_TEXT_MAX);
	if (muster_rd_end(&r) != 0 || !text_ok(v.text.p, v.text.n))
		return MUSTER_ECORRUPT;
	*out = v;
	return 0;
}

int muster_event_body_check(uint64_t type, const uint8_t *p, size_t n)
{
	switch (type) {
	case MUSTER_EV_SITE_INIT: {
		muster_ev_site_init v;
		return muster_ev_site_init_decode(p, n, &v);
	}
	case MUSTER_EV_KEY_ENROL:
	case MUSTER_EV_KEY_ROLES:
	case MUSTER_EV_KEY_REVOKE: {
		muster_ev_key v;
		return muster_ev_key_decode(type, p, n, &v);
	}
	case MUSTER_EV_JOURNAL: {
		muster_ev_journal v;
		return muster_ev_journal_decode(p, n, &v);
	}
	default: {
		muster_mask allowed, required;
		muster_rec r;
		if (!muster_event_schema(type, &allowed, &required))
			return MUSTER_ECORRUPT;
		return muster_rec_decode(p, n, allowed, required, &r, NULL, 0);
	}
	}
}

static void json_key(muster_buf *b, const char *name, const uint8_t *pk)
{
	char id[MUSTER_KEYID_HEX];
	muster_key_id_hex(pk, id);
	muster_buf_printf(b, ",\"%s\":\"%s\"", name, id);
}

static void json_roles(muster_buf *b, uint32_t roles)
{
	char r[128];
	if (muster_roles_format(roles, r, sizeof r) == 0) {
		muster_buf_puts(b, ",\"roles\":");
		muster_json_cstr(b, r);
	}
}

static void json_body(muster_buf *b, const muster_entry *e)
{
	switch (e->type) {
	case MUSTER_EV_SITE_INIT: {
		muster_ev_site_init v;
		if (muster_ev_site_init_decode(e->body, e->body_len, &v) != 0)
			break;
		muster_buf_puts(b, ",\"origin\":");
		muster_json_str(b, v.origin.p, v.origin.n);
		muster_buf_puts(b, ",\"log_pk\":");
		muster_json_b64(b, v.log_pk, MUSTER_PK_BYTES);
		muster_buf_puts(b, ",\"tag_pk\":");
		muster_json_b64(b, v.tag_pk, MUSTER_PK_BYTES);
		muster_buf_puts(b, ",\"holder\":");
		muster_json_str(b, v.holder.p, v.holder.n);
		return;
	}
	case MUSTER_EV_KEY_ENROL:
	case MUSTER_EV_KEY_ROLES:
	case MUSTER_EV_KEY_REVOKE: {
		muster_ev_key v;
		if (muster_ev_key_decode(e->type, e->body, e->body_len, &v) != 0)
			break;
		json_key(b, "key", v.pk);
		if (e->type != MUSTER_EV_KEY_REVOKE)
			json_roles(b, v.roles);
		if (e->type == MUSTER_EV_KEY_ENROL) {
			muster_buf_puts(b, ",\"pk\":");
			muster_json_b64(b, v.pk, MUSTER_PK_BYTES);
			muster_buf_puts(b, ",\"holder\":");
			muster_json_str(b, v.text.p, v.text.n);
		} else if (e->type == MUSTER_EV_KEY_REVOKE) {
			muster_buf_puts(b, ",\"reason\":");
			muster_json_str(b, v.text.p, v.text.n);
		}
		return;
	}
	case MUSTER_EV_JOURNAL: {
		muster_ev_journal v;
		if (muster_ev_journal_decode(e->body, e->body_len, &v) != 0)
			break;
		muster_buf_puts(b, ",\"text\":");
		muster_json_str(b, v.text.p, v.text.n);
		return;
	}
	default: {
		muster_mask allowed, required;
		muster_rec r;
		if (muster_event_schema(e->type, &allowed, &required) &&
			muster_rec_decode(e->body, e->body_len, allowed, required, &r, NULL, 0) == 0) {
			/* Nested: a field may be called "type" (an asset's type) like the entry's. */
			muster_buf f = {0};
			muster_rec_json(&f, &r);
			muster_buf_puts(b, ",\"fields\":{");
			if (f.len)
				muster_buf_put(b, f.data + 1, f.len - 1);
			muster_buf_puts(b, "}");
			if (f.err && !b->err)
				b->err = f.err;
			muster_buf_free(&f);
			return;
		}
	}
	}
	muster_buf_puts(b, ",\"body\":");
	muster_json_b64(b, e->body, e->body_len);
}

void muster_entry_json(muster_buf *b, const muster_entry *e)
{
	const char *name = muster_event_name(e->type);
	muster_buf_printf(b, "{\"index\":%" PRIu64 ",\"type\":", e->index);
	if (name)
		muster_json_cstr(b, name);
	else
		muster_buf_printf(b, "%" PRIu64, e->type);
	muster_buf_puts(b, ",\"time\":");
	muster_json_time(b, e->time_ms);
	json_key(b, "signer", e->signer);
	muster_buf_puts(b, ",\"prev_root\":");
	muster_json_b64(b, e->prev_root, MUSTER_HASH_BYTES);
	json_body(b, e);
	muster_buf_puts(b, ",\"sig\":");
	muster_json_b64(b, e->sig, MUSTER_SIG_BYTES);
	muster_buf_puts(b, "}");
}
