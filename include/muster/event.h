/*
 * muster/event.h - log entries and the event bodies they carry.
 *
 * An entry is, in this order (docs/FORMATS.md): version, event type, log
 * index, claimed UTC time in milliseconds (all minimal unsigned LEB128), the
 * 32-byte RFC 6962 root of the log before it, the signer's 32-byte public
 * key, the length-prefixed body, and a 64-byte Ed25519 signature over
 * "muster/event/v1" || 0x00 || everything before the signature.
 */
#ifndef MUSTER_EVENT_H
#define MUSTER_EVENT_H

#include <muster/common.h>
#include <muster/codec.h>
#include <muster/fields.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MUSTER_ENTRY_VERSION 1
#define MUSTER_EVENT_DOMAIN "muster/event/v1"
#define MUSTER_TEXT_MAX 16384    /* bytes of free text in one event */
#define MUSTER_NAME_MAX 256      /* bytes of a holder's name */

/* Event types.  Numbers are part of the format: never reuse one. */
enum {
	MUSTER_EV_SITE_INIT = 1,  /* genesis: origin, site keys, first admin (index 0 only) */
	MUSTER_EV_KEY_ENROL = 2,  /* admin enrols a key with roles and a holder */
	MUSTER_EV_KEY_ROLES = 3,  /* admin changes a key's roles */
	MUSTER_EV_KEY_REVOKE = 4, /* admin revokes a key */
	MUSTER_EV_JOURNAL = 5,    /* 值班记录: a signed duty-journal entry */
	/* From here on bodies are field records (muster/fields.h); see docs/FORMATS.md. */
	MUSTER_EV_SITE_URL = 6,       /* admin sets the base URL printed on new labels */
	MUSTER_EV_TEAM_ADD = 10,      /* a rescue team and its host enterprise */
	MUSTER_EV_DEPOT_ADD = 11,     /* a depot of a team */
	MUSTER_EV_ASSET_ADD = 20,     /* registers a piece of equipment */
	MUSTER_EV_ASSET_UPDATE = 21,  /* corrects descriptive fields */
	MUSTER_EV_ASSET_RELABEL = 22, /* new label serial; the old label is revoked */
	MUSTER_EV_CHECKOUT = 30,      /* in depot -> checked out */
	MUSTER_EV_RETURN = 31,        /* checked out -> in depot */
	MUSTER_EV_REPAIR_OUT = 32,    /* in depot -> in repair */
	MUSTER_EV_REPAIR_BACK = 33,   /* in repair -> in depot */
	MUSTER_EV_HANDOVER = 34,      /* in depot -> transfer pending (giving keeper) */
	MUSTER_EV_ACCEPT = 35,        /* transfer pending -> in depot of the new team (receiving keeper) */
	MUSTER_EV_CANCEL = 36,        /* transfer pending -> in depot, unchanged */
	MUSTER_EV_REQUISITION = 37,   /* outside equipment: released -> requisitioned 征用 */
	MUSTER_EV_RELEASE = 38,       /* requisitioned -> released (returned to its owner) */
	MUSTER_EV_SCRAP = 39,         /* -> scrapped, terminal */
	MUSTER_EV_INSPECT_RULE = 40,  /* an inspection rule for an asset type: kind, interval */
	MUSTER_EV_INSPECT = 41,       /* an inspection record */
	MUSTER_EV_COUNT_START = 50,   /* physical inventory 盘点 of a depot begins */
	MUSTER_EV_COUNT_SCAN = 51,    /* an asset found present */
	MUSTER_EV_COUNT_CLOSE = 52,   /* the signed result: missing, unexpected, matched */
	/* People (docs/PEOPLE.md). */
	MUSTER_EV_PERSON_ADD = 60,    /* hr enrols a rescuer */
	MUSTER_EV_PERSON_UPDATE = 61, /* post, team, hazards, status (suspended, left), key */
	MUSTER_EV_CERT_KIND = 62,     /* a certificate kind and its validity and review rules */
	MUSTER_EV_CERT_ADD = 63,      /* a certificate held */
	MUSTER_EV_CERT_RENEW = 64,    /* a new validity period (换证) */
	MUSTER_EV_CERT_REVIEW = 65,   /* a review passed (复审) */
	MUSTER_EV_CERT_REVOKE = 66,
	MUSTER_EV_EXAM = 67,          /* an occupational health exam (GBZ 188) */
	MUSTER_EV_HEALTH_RULE = 68,   /* periodic exam interval of a hazard factor */
	MUSTER_EV_POLICY = 69,        /* site policy: emergency exam deadline, arrival target */
	MUSTER_EV_DEPLOY_OPEN = 70,   /* 出动: a deployment is ordered */
	MUSTER_EV_DEPLOY_PERSON = 71, /* a person goes (ready, or with an override reason) */
	MUSTER_EV_DEPLOY_TIME = 72,   /* departed / arrived / ended, in order */
	MUSTER_EV_DEPLOY_RETURN = 73, /* 归建: emergency exams and post-use inspections fall due */
	MUSTER_EV_DEPLOY_REPORT = 74, /* the deployment report is filed */
	/* Money (docs/MONEY.md). */
	MUSTER_EV_FUND_ADD = 80,      /* a fund: source, owner, industry */
	MUSTER_EV_BUDGET_SET = 81,    /* a budget of a fund for a team and fiscal year (a revision replaces it) */
	MUSTER_EV_SPEND = 82,         /* a spending record */
	MUSTER_EV_SPEND_APPROVE = 83, /* a second person approves spending at or above the threshold */
	MUSTER_EV_SPEND_REJECT = 84,  /* ... or rejects it */
	MUSTER_EV_AUDIT_DISPOSE = 85, /* an auditor's disposition of a finding */
	MUSTER_EV_FUND_SOURCE = 86,   /* a fund source beyond the built-in ones, and the rules its spending follows */
};

/* A decoded entry.  body points into the decoded bytes. */
typedef struct muster_entry {
	uint64_t version;
	uint64_t type;
	uint64_t index;
	uint64_t time_ms;
	uint8_t prev_root[MUSTER_HASH_BYTES];
	uint8_t signer[MUSTER_PK_BYTES];
	const uint8_t *body;
	size_t body_len;
	uint8_t sig[MUSTER_SIG_BYTES];
} muster_entry;

/*
 * muster_entry_decode - parses p[0..len) into *e.  MUSTER_ECORRUPT if the
 * bytes are not the one canonical encoding (non-minimal integers, unknown
 * version, short or trailing data), MUSTER_ETOOBIG over MUSTER_ENTRY_MAX.
 * Does not verify the signature.  e->body borrows from p.
 */
MUSTER_API int muster_entry_decode(const uint8_t *p, size_t len, muster_entry *e) MUSTER_WUR;

/* Appends the encoding of e without its signature (the signed part) to b. */
MUSTER_API void muster_entry_encode_unsigned(muster_buf *b, const muster_entry *e);

/* 0 if e->sig is e->signer's signature over the entry's signed part. */
MUSTER_API int muster_entry_verify(const uint8_t *p, size_t len, const muster_entry *e) MUSTER_WUR;

/* The name of an event type ("journal", "key.enrol"...), or NULL if unknown. */
MUSTER_API const char *muster_event_name(uint64_t type);

/* Bodies. Text fields point into the body and are not NUL-terminated. */
typedef struct muster_text { const char *p; size_t n; } muster_text;

typedef struct muster_ev_site_init {
	muster_text origin;
	const uint8_t *log_pk;
	const uint8_t *tag_pk;
	muster_text holder; /* the first admin */
} muster_ev_site_init;

typedef struct muster_ev_key {
	const uint8_t *pk;
	uint32_t roles;   /* enrol, roles */
	muster_text text; /* enrol: holder's name; revoke: reason */
} muster_ev_key;

typedef struct muster_ev_journal {
	muster_text text;
} muster_ev_journal;

/* Encoders append a body to b; decoders validate a body fully (MUSTER_ECORRUPT). */
MUSTER_API void muster_ev_site_init_encode(muster_buf *b, const muster_ev_site_init *v);
MUSTER_API int muster_ev_site_init_decode(const uint8_t *p, size_t n, muster_ev_site_init *v) MUSTER_WUR;
MUSTER_API void muster_ev_key_encode(muster_buf *b, uint64_t type, const muster_ev_key *v);
MUSTER_API int muster_ev_key_decode(uint64_t type, const uint8_t *p, size_t n, muster_ev_key *v) MUSTER_WUR;
MUSTER_API void muster_ev_journal_encode(muster_buf *b, const muster_ev_journal *v);
MUSTER_API int muster_ev_journal_decode(const uint8_t *p, size_t n, muster_ev_journal *v) MUSTER_WUR;

/* Validates the body of an entry of any known type; MUSTER_ECORRUPT otherwise. */
MUSTER_API int muster_event_body_check(uint64_t type, const uint8_t *p, size_t n) MUSTER_WUR;

/*
 * The field-record schema of a domain event type: which fields it allows and
 * which it requires (bit masks of MUSTER_BIT(tag)).  0 if type is not a
 * field-record type.
 */
MUSTER_API int muster_event_schema(uint64_t type, muster_mask *allowed, muster_mask *required);
/* The Chinese name of an event type ("借出"), or NULL. */
MUSTER_API const char *muster_event_name_zh(uint64_t type);
/* The type called name ("asset.add"), or 0. */
MUSTER_API uint64_t muster_event_type(const char *name);

/* Roles allowed to sign an event of this type (0 for site.init: genesis rule). */
MUSTER_API uint32_t muster_event_roles(uint64_t type);

/* Appends a JSON object describing the decoded entry (for log show --json). */
MUSTER_API void muster_entry_json(muster_buf *b, const muster_entry *e);

#ifdef __cplusplus
}
#endif
#endif
