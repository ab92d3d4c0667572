/*
 * reasons.c - why a person cannot be deployed, and what falls due, in words
 * (English or Chinese): shared by `muster ready` / `muster due` and musterd,
 * so the command line and the web say the same thing.
 */
#include "config.h"

#include "reasons.h"

#include <inttypes.h>
#include <muster/people.h>

/* The message for the language asked for (both take the same arguments). */
#define Z(en, zh_) (zh ? (zh_) : (en))

void cli_kind_words(muster_buf *b, muster_snap *sn, const char *kind, size_t n, int zh)
{
	muster_cert_rule r;
	if (zh && muster_cert_rule_get(sn, kind, n, &r) == 0)
		muster_buf_put(b, r.name, r.name_len);
	else
		muster_buf_put(b, kind, n);
}


void cli_reason_words(muster_buf *b, muster_snap *sn, const muster_rec *p, const muster_reason *r, int zh)
{
	char d[11] = "";
	if (r->date)
		muster_date_format(r->date, d);
	muster_buf k = {0};
	if (r->kind_len)
		cli_kind_words(&k, sn, r->kind, r->kind_len, zh);
	muster_buf_put(&k, "", 1);
	const char *kind = (const char *)k.data;
	int rn = (int)r->ref_len;
	const char *ref = r->ref ? r->ref : "";
	switch (r->code) {
	case MUSTER_R_LEFT: muster_buf_printf(b, Z("left on %s", "已于 %s 离队"), d); break;
	case MUSTER_R_SUSPENDED: muster_buf_puts(b, Z("suspended", "停职")); break;
	case MUSTER_R_CERT_EXPIRED:
		muster_buf_printf(b, Z("%s certificate %.*s expired on %s", "%s %.*s 已于 %s 过期"), kind, rn, ref, d);
		break;
	case MUSTER_R_CERT_REVIEW_OVERDUE:
		muster_buf_printf(b, Z("%s certificate %.*s missed its review due %s", "%s %.*s 应于 %s 复审，已逾期"), kind, rn,
			ref, d);
		break;
	case MUSTER_R_CERT_REVOKED:
		muster_buf_printf(b, Z("%s certificate %.*s was revoked on %s", "%s %.*s 已于 %s 吊销"), kind, rn, ref, d);
		break;
	case MUSTER_R_NEEDS:
		muster_buf_printf(b, Z("holds no valid %s certificate", "无有效的%s"), kind);
		break;
	case MUSTER_R_NEEDS_SPECIAL: muster_buf_puts(b, Z("not a special-build member (特体队员)", "非特体队员")); break;
	case MUSTER_R_NO_EXAM:
		muster_buf_puts(b, Z("no pre-placement or periodic health exam on record", "无上岗前或在岗期间职业健康检查记录"));
		break;
	case MUSTER_R_EXAM_OVERDUE:
		muster_buf_printf(b, Z("periodic health exam overdue since %s (every %" PRIu64 " days)",
					     "在岗期间职业健康检查已于 %s 到期（每 %" PRIu64 " 天）"),
			d, r->n);
		break;
	case MUSTER_R_CONTRA:
		muster_buf_printf(b, Z("contraindication: %.*s (exam of %s)", "职业禁忌证：%.*s（%s 体检）"), rn, ref, d);
		break;
	case MUSTER_R_SUSPECTED:
		muster_buf_printf(b, Z("suspected occupational disease (exam of %s)", "疑似职业病（%s 体检）"), d);
		break;
	case MUSTER_R_RECHECK_OVERDUE:
		muster_buf_printf(b, Z("recheck overdue since %s", "复查已于 %s 逾期"), d);
		break;
	case MUSTER_R_EMERGENCY_OWED:
		muster_buf_printf(b, Z("owes an emergency health exam after deployment %.*s (by %s)",
					     "出动 %.*s 归建后应急体检未做（期限 %s）"),
			rn, ref, d);
		break;
	case MUSTER_W_AGE: {
		const muster_field *f = muster_field_get(MF_POSITION);
		uint64_t pos = p->v[MF_POSITION].u;
		if (zh)
			muster_buf_printf(b, "年龄 %" PRIu64 " 岁，超过%s一般上限 %" PRIu64 " 岁", r->n, f->enums_zh[pos], r->n2);
		else
			muster_buf_printf(b, "age %" PRIu64 " is above the normal limit of %" PRIu64 " for a %s", r->n, r->n2,
				f->enums[pos]);
		break;
	}
	case MUSTER_W_CERT_REVIEW_DUE:
		muster_buf_printf(b, Z("%s certificate %.*s: review due by %s", "%s %.*s 应于 %s 前复审"), kind, rn, ref, d);
		break;
	case MUSTER_W_CERT_EXPIRING:
		muster_buf_printf(b, Z("%s certificate %.*s expires on %s", "%s %.*s 将于 %s 到期"), kind, rn, ref, d);
		break;
	case MUSTER_W_RECHECK: muster_buf_printf(b, Z("recheck due by %s", "应于 %s 前复查"), d); break;
	default: muster_buf_puts(b, muster_reason_code(r->code));
	}
	muster_buf_free(&k);
}

