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

/* Tables: fund code; fund 0 team 0 be32(year); be64(index of the spend.record). */
enum { MUSTER_T_FUND = 32, MUSTER_T_BUDGET, MUSTER_T_SPEND };

/* Spending states (MF_SPEND_STATE). */
enum { MUSTER_SP_PENDING, MUSTER_SP_COUNTED, MUSTER_SP_REJECTED };

/* The fund sources (DOMAIN.md, Money): code and Chinese name, i = 0.. until NULL. */
MUSTER_API const char *muster_fund_source(size_t i, const char **zh);
/* 1 if the source is the enterprise safety cost (企业安全生产费用): its spending must cite the article it relies on. */
#define MUSTER_FUND_ENTERPRISE_SAFETY "enterprise_safety"

#ifdef __cplusplus
}
#endif
#endif
