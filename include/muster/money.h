/*
 * muster/money.h - funds, budgets and spending (docs/MONEY.md): the
 * projections the money events make, read through a snapshot
 * (muster/equip.h) with muster_row_get / muster_row_list.
 */
#ifndef MUSTER_MONEY_H
#define MUSTER_MONEY_H

#include <muster/common.h>
#include <muster/equip.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tables: fund code; fund 0 team 0 be32(year); be64(index of the spend.record); fund source code. */
enum { MUSTER_T_FUND = 32, MUSTER_T_BUDGET, MUSTER_T_SPEND, MUSTER_T_FSOURCE };

/* Spending types (MF_SPEND_TYPE): the first three are upkeep of an asset and need one. */
enum { MUSTER_SPEND_MAINTENANCE, MUSTER_SPEND_REPAIR, MUSTER_SPEND_CALIBRATION };

/* Spending states (MF_SPEND_STATE). */
enum { MUSTER_SP_PENDING, MUSTER_SP_COUNTED, MUSTER_SP_REJECTED };

/*
 * The built-in fund sources (DOMAIN.md, Money): code and Chinese name, i =
 * 0.. until NULL.  More are data: `fund.source` registers one (table
 * MUSTER_T_FSOURCE: fund_source, name, rules, ref).
 */
MUSTER_API const char *muster_fund_source(size_t i, const char **zh);
/* The enterprise safety cost (企业安全生产费用): its spending must cite the article it relies on. */
#define MUSTER_FUND_ENTERPRISE_SAFETY "enterprise_safety"
/* Rules of a fund source (MF_RULES). */
enum { MUSTER_RULES_GENERAL, MUSTER_RULES_SAFETY };
/*
 * 1 if a fund (a MUSTER_T_FUND row) follows the enterprise safety cost's
 * rules: the host unit's industry, an article on every spending, never
 * initial construction.
 */
MUSTER_API int muster_fund_safety(const muster_rec *fund);

#ifdef __cplusplus
}
#endif
#endif
