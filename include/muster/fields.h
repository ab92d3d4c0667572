/*
 * muster/fields.h - the field records every domain event body is made of.
 *
 * A domain body is a sequence of (tag, value) pairs in strictly ascending
 * tag order (docs/FORMATS.md).  Each tag has one meaning everywhere (tag 1
 * is always the asset id, tag 16 always an acquisition date): an event
 * type's schema only says which tags it allows and which it requires.  So
 * one decoder validates every body, one renderer prints any of them as JSON
 * or words, one parser turns command-line options into them, and a
 * projection stores its rows in the same form.
 *
 * Values: UINT, DATE (YYYYMMDD, a real Gregorian date), FEN (money, integer
 * fen), ENUM (an index into the field's names), BOOL (present means true;
 * encoded as 1) are minimal LEB128; TEXT (non-empty UTF-8) and BYTES are
 * length-prefixed; LIST is a count then that many texts; KV is a count of
 * pairs then key, value, key, value... with keys strictly ascending.
 */
#ifndef MUSTER_FIELDS_H
#define MUSTER_FIELDS_H

#include <muster/common.h>
#include <muster/codec.h>

#ifdef __cplusplus
extern "C" {
#endif

enum muster_ftype {
	MUSTER_F_UINT = 1,
	MUSTER_F_TEXT,
	MUSTER_F_DATE,
	MUSTER_F_FEN,
	MUSTER_F_ENUM,
	MUSTER_F_BOOL,
	MUSTER_F_BYTES,
	MUSTER_F_LIST,
	MUSTER_F_KV,
	MUSTER_F_TIME, /* a moment: seconds since 1970 UTC, shown in Beijing time */
};

#define MUSTER_FIELDS_MAX 128 /* tags are 1..127 */

/*
 * A set of tags, one bit per tag.  128 bits need the compiler's 128-bit
 * integer, which GCC and Clang give on every 64-bit target (docs/ARCHITECTURE.md).
 */
#ifndef __SIZEOF_INT128__
#error "libmuster needs a compiler with unsigned __int128 (a 64-bit target)"
#endif
__extension__ typedef unsigned __int128 muster_mask;

/* The field dictionary.  Numbers are part of the format: never reuse one. */
enum muster_ftag {
	MF_ID = 1,         /* asset id */
	MF_TEAM = 2,       /* team code; an asset's custodian team */
	MF_DEPOT = 3,      /* depot code */
	MF_NAME = 4,       /* team or depot name */
	MF_SPECIALTY = 5,  /* team specialty */
	MF_PROVINCE = 6,   /* GB/T 2260 province code */
	MF_HOST = 7,       /* host enterprise 依托单位 */
	MF_HOST_CODE = 8,  /* its unified social credit code */
	MF_OVERRIDE = 9,   /* why a credit code that fails its check is accepted */
	MF_LOCATION = 10,  /* depot address */
	MF_CATEGORY = 11,  /* GB/T 38565 code */
	MF_TYPE = 12,      /* local type 定向钻机 */
	MF_MODEL = 13,
	MF_SERIAL = 14,    /* maker's serial number */
	MF_MAKER = 15,
	MF_ACQUIRED = 16,  /* acquisition date */
	MF_VALUE = 17,     /* acquisition value, fen */
	MF_FUNDING = 18,   /* national / host / other */
	MF_OWNER = 19,     /* owner of record */
	MF_AGREEMENT = 20, /* custody agreement number */
	MF_CUSTODY_FROM = 21,
	MF_CUSTODY_TO = 22,
	MF_ATTRS = 23,     /* free key-value attributes */
	MF_HOLDER = 24,    /* who has it checked out (person or team) */
	MF_PURPOSE = 25,   /* mission / drill / training / loan */
	MF_DEPLOYMENT = 26,/* deployment id of a mission */
	MF_DUE = 27,       /* expected back; explicit next inspection due */
	MF_VENDOR = 28,    /* repairer */
	MF_TO_TEAM = 29,   /* custody transfer: receiving team */
	MF_TO_DEPOT = 30,  /* custody transfer: receiving depot */
	MF_KIND = 31,      /* inspection kind */
	MF_INTERVAL = 32,  /* inspection interval, days */
	MF_RESULT = 33,    /* pass / fail / adjusted */
	MF_INSPECTOR = 34,
	MF_NOTES = 35,
	MF_DATE = 36,      /* date the thing was done */
	MF_COUNT = 37,     /* inventory count id */
	MF_MISSING = 38,   /* list of asset ids */
	MF_UNEXPECTED = 39,/* list of asset ids */
	MF_MATCHED = 40,   /* how many matched */
	MF_DIGEST = 41,    /* SHA-256 of the matched ids, sorted, NUL-separated */
	MF_LABEL = 42,     /* label serial */
	MF_STATE = 43,     /* asset state (projection) */
	MF_SINCE = 44,     /* log index of the last state change (projection) */
	MF_REF = 45,       /* a log index this refers to */
	MF_REASON = 46,
	MF_EXTERNAL = 47,  /* outside equipment, held by us only when requisitioned */
	MF_ORDER = 48,     /* requisition order / document number */
	MF_URL = 49,       /* site base URL */
	MF_LAST = 50,      /* log index of the last event on it (projection) */
	MF_REGISTERED = 51,/* log index of its registration (projection) */
	MF_SIGNER = 52,    /* key id that signed the step referred to (projection) */
	MF_OPEN = 53,      /* count is open (projection) */
	MF_SCANNED = 54,   /* number of scans (projection) */
	/* People, certificates, health exams, deployments (docs/PEOPLE.md). */
	MF_PERSON = 55,      /* resident ID number (GB 11643) */
	MF_POSITION = 56,    /* post: brigade commander ... medic */
	MF_HIRED = 57,       /* start on the post */
	MF_STATUS = 58,      /* active / suspended / left */
	MF_SPECIAL = 59,     /* 特体队员: cleared for confined-space work */
	MF_HAZARDS = 60,     /* hazard factors of the post; of an exam */
	MF_LEFT = 61,        /* date the person left (projection) */
	MF_NUMBER = 62,      /* certificate number */
	MF_OP_CATEGORY = 63, /* special operation category 1..11 */
	MF_ITEM = 64,        /* special operation item */
	MF_ISSUER = 65,
	MF_VALID_FROM = 66,
	MF_VALID_TO = 67,
	MF_REVIEWED = 68,    /* last review 复审 */
	MF_HOURS = 69,       /* training hours before a review; a kind's minimum */
	MF_VALIDITY = 70,    /* certificate kind: months valid */
	MF_REVIEW = 71,      /* certificate kind: months between reviews */
	MF_WINDOW = 72,      /* certificate kind: days before the review due date it opens */
	MF_T_NUMBER = 73,    /* certificate kind: number is "T" + the holder's ID */
	MF_REVOKED = 74,     /* date a certificate was revoked (projection) */
	MF_EXAM = 75,        /* exam kind */
	MF_INSTITUTION = 76,
	MF_CONCLUSION = 77,
	MF_ITEMS = 78,       /* recheck items */
	MF_CONTRA = 79,      /* contraindication 职业禁忌证 */
	MF_HAZARD = 80,      /* one hazard factor (a periodic-exam rule) */
	MF_EXAM_DAYS = 81,   /* policy: days to do the emergency exam after a deployment */
	MF_TARGET = 82,      /* arrival target, minutes */
	MF_SOURCE = 83,      /* who ordered the deployment: ministry / province / enterprise / self */
	MF_ORDERED_BY = 84,
	MF_INCIDENT = 85,
	MF_ORDERED = 86,     /* deployment times, in order */
	MF_DEPARTED = 87,
	MF_ARRIVED = 88,
	MF_ENDED = 89,
	MF_RETURNED = 90,
	MF_REPORTED = 91,    /* deployment report filed */
	MF_PRE_PLACEMENT = 92, /* date of the last pre-placement exam (projection) */
	MF_PERIODIC = 93,    /* date of the last periodic exam (projection) */
	MF_EXAM_DATE = 94,   /* date of the latest exam, whose conclusion the row carries (projection) */
	MF_PEOPLE = 95,      /* people on a deployment (projection) */
	MF_ASSETS = 96,      /* assets on a deployment (projection) */
	MF_EXIT = 97,        /* date of the exit exam (projection) */
	/* Money (docs/MONEY.md). */
	MF_FUND = 98,        /* fund code */
	MF_FUND_SOURCE = 99, /* national_capacity / enterprise_safety / host_special / other */
	MF_INDUSTRY = 100,   /* the host unit's industry (enterprise safety cost) */
	MF_YEAR = 101,       /* fiscal year */
	MF_AMOUNT = 102,     /* fen */
	MF_SPEND_TYPE = 103, /* maintenance ... other */
	MF_VENDOR_CODE = 104,/* the vendor's unified social credit code */
	MF_INVOICE = 105,    /* invoice number */
	MF_ARTICLE = 106,    /* the rule the spending relies on: 第十二条(二) */
	MF_ATTACHMENTS = 107,/* SHA-256 of each attached file, hex */
	MF_LINK = 108,       /* log index of the maintenance / repair / inspection event the spending pays for */
	MF_THRESHOLD = 109,  /* policy: spending at or above it needs a second person's approval, fen */
	MF_SPEND_STATE = 110,/* pending / counted / rejected (projection) */
	MF_RECORDER = 111,   /* key id that recorded the spending (projection) */
	MF_DECIDED = 112,    /* log index of the approval or rejection (projection) */
	MF_FINDING = 113,    /* an audit finding's id */
	MF_DISPOSITION = 114,/* explained / corrected / referred */
	MF_RECORDED = 115,   /* day the spending was recorded: its entry's date, Beijing time (projection) */
	MF_RULES = 116,      /* a fund source's rules: general / enterprise_safety */
};

typedef struct muster_field {
	uint8_t tag;
	uint8_t type;             /* enum muster_ftype */
	uint16_t max;             /* TEXT/BYTES: bytes; LIST/KV: items */
	const char *name;         /* JSON key and CLI option: "custody_from" -> --custody-from */
	const char *en, *zh;      /* labels for people */
	const char *const *enums; /* ENUM: value names, NULL-terminated */
	const char *const *enums_zh;
} muster_field;

/* The field with this tag, or NULL. */
MUSTER_API const muster_field *muster_field_get(unsigned tag);
/* The field called name ("custody_from"; '-' matches '_'), or NULL. */
MUSTER_API const muster_field *muster_field_by_name(const char *name);

/* A decoded or built record: v[tag] is meaningful when has & (1 << tag). */
typedef struct muster_fv {
	uint64_t u;    /* UINT/DATE/FEN/ENUM/BOOL; LIST/KV: item or pair count */
	const char *p; /* TEXT/BYTES; LIST/KV: the encoded items */
	size_t n;
} muster_fv;

typedef struct muster_rec {
	muster_mask has;
	muster_fv v[MUSTER_FIELDS_MAX];
} muster_rec;

#define MUSTER_HAS(r, tag) (((r)->has >> (tag)) & 1)
#define MUSTER_BIT(tag) ((muster_mask)1 << (tag))

static inline void muster_rec_clear(muster_rec *r) { r->has = 0; }
MUSTER_API void muster_rec_uint(muster_rec *r, unsigned tag, uint64_t u);
MUSTER_API void muster_rec_text(muster_rec *r, unsigned tag, const char *p, size_t n);
MUSTER_API void muster_rec_cstr(muster_rec *r, unsigned tag, const char *s);
MUSTER_API void muster_rec_del(muster_rec *r, unsigned tag);

/* Appends the canonical encoding of every present field of r to b. */
MUSTER_API void muster_rec_encode(muster_buf *b, const muster_rec *r);
/*
 * Decodes p[0..n) into *r (pointing into p) and checks every value against
 * its field; then, if allowed/required are non-zero, that only allowed tags
 * are present and every required one is.  MUSTER_ECORRUPT; why (may be
 * NULL) names the field and the fault.
 */
MUSTER_API int muster_rec_decode(const uint8_t *p, size_t n, muster_mask allowed, muster_mask required, muster_rec *r,
	char *why, size_t whylen) MUSTER_WUR;

/* Iterates a LIST or KV value: returns 1 and the next text in *s, 0 at the end. */
typedef struct muster_iter { muster_rd rd; uint64_t left; } muster_iter;
MUSTER_API void muster_iter_init(muster_iter *it, const muster_fv *v, int kv);
MUSTER_API int muster_iter_next(muster_iter *it, const char **s, size_t *n);

/* A LIST or KV value under construction: add texts, then muster_rec_list(). */
MUSTER_API void muster_list_add(muster_buf *items, uint64_t *count, const char *s, size_t n);
MUSTER_API void muster_rec_list(muster_rec *r, unsigned tag, const muster_buf *items, uint64_t count);

/* A field of r as text for people: dates "2026-11-25", fen "1,234.56元", enums in zh or en. */
MUSTER_API void muster_fv_format(muster_buf *b, const muster_field *f, const muster_fv *v, int zh);
/* Every present field not in skip (a MUSTER_BIT mask) as "label value" words, in zh or en. */
MUSTER_API void muster_rec_words(muster_buf *b, const muster_rec *r, int zh, muster_mask skip);
/* Appends ,"name":value for every present field (dates ISO, money integer fen, enums by name). */
MUSTER_API void muster_rec_json(muster_buf *b, const muster_rec *r);

/*
 * Parses text typed by a person into field f of r.  Dates "2026-11-25";
 * money in fen ("1250000") or in yuan with a point ("12500.00"); enums by
 * English or Chinese name; KV "key=value" (adds one pair to items/count,
 * for the caller to set with muster_rec_list); BYTES as hex digits, decoded
 * into items (which the record then points into).  0 or MUSTER_EINVAL with why.
 */
MUSTER_API int muster_fv_parse(const muster_field *f, const char *s, muster_rec *r, muster_buf *items,
	uint64_t *count, char *why, size_t whylen) MUSTER_WUR;

/* Dates as YYYYMMDD integers. */
MUSTER_API int muster_date_valid(uint64_t ymd);
/* "2026-11-25" -> 20261125; 0 if not a real date. */
MUSTER_API uint64_t muster_date_parse(const char *s);
MUSTER_API void muster_date_format(uint64_t ymd, char out[11]);
/* Days since 1970-01-01 and back. */
MUSTER_API int64_t muster_date_days(uint64_t ymd);
MUSTER_API uint64_t muster_date_from_days(int64_t days);
MUSTER_API uint64_t muster_date_add(uint64_t ymd, int64_t days);
/* The date in Asia/Shanghai at time_ms (UTC milliseconds). */
MUSTER_API uint64_t muster_date_of_ms(uint64_t time_ms);
/* The same day of the month months later (the month's last day if it has fewer). */
MUSTER_API uint64_t muster_date_add_months(uint64_t ymd, unsigned months);

/* Times (MUSTER_F_TIME): seconds since 1970 UTC, typed and shown in Beijing time. */
#define MUSTER_TIME_MAX 253402271999u /* 9999-12-31 23:59:59 UTC */
/* "2026-11-25 08:30" or "2026-11-25T08:30:15" in Beijing time -> seconds; 0 if not a time. */
MUSTER_API uint64_t muster_time_parse(const char *s);
/* "2026-11-25 08:30", Beijing time. */
MUSTER_API void muster_time_format(uint64_t t, char out[20]);
/* The Beijing date (YYYYMMDD) of a time. */
MUSTER_API uint64_t muster_time_date(uint64_t t);

/* Spending states (field MF_SPEND_STATE), NULL-terminated. */
MUSTER_API extern const char *const muster_spend_states[];
MUSTER_API extern const char *const muster_spend_states_zh[];

/* Post names (field MF_POSITION), NULL-terminated. */
MUSTER_API extern const char *const muster_positions[];
MUSTER_API extern const char *const muster_positions_zh[];

#ifdef __cplusplus
}
#endif
#endif
