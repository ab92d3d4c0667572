/* reasons.h - readiness reasons in words, for the CLI and musterd (reasons.c). */
#ifndef MUSTER_REASONS_H
#define MUSTER_REASONS_H

#include <muster/muster.h>
#include <muster/people.h>

/* The name of a certificate kind for people: its Chinese name when zh, its code otherwise. */
void cli_kind_words(muster_buf *b, muster_snap *sn, const char *kind, size_t n, int zh);
/* Reason r of person p in words, in Chinese when zh, else English. */
void cli_reason_words(muster_buf *b, muster_snap *sn, const muster_rec *p, const muster_reason *r, int zh);

#endif
