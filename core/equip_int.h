/* equip_int.h - what equip.c (rules) and equip_read.c (reads) share. */
#ifndef MUSTER_EQUIP_INT_H
#define MUSTER_EQUIP_INT_H

#include "internal.h"

/* Reads the row under key in dbi; copies the value into copy (if not NULL) and decodes it. */
int muster_row_read(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, muster_buf *copy, muster_rec *r);

/* The result a count would close with now (muster_count_result, inside any transaction). */
int muster_count_compute(MDB_txn *txn, const MDB_dbi *dbi, const muster_rec *count, muster_count_lists *l,
	muster_rec *out);

#endif
