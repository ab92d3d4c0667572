/* rowfilter.h - the --team/--depot/--state filter of list commands, for muster and musterd alike. */
#ifndef MUSTER_ROWFILTER_H
#define MUSTER_ROWFILTER_H

#include <muster/muster.h>

struct row_filter {
	const char *team, *depot; /* NULL: any */
	int state;                /* an index into muster_asset_states; -1: any */
};

/* 1 if field tag of r is present and equals s. */
int row_fv_is(const muster_rec *r, unsigned tag, const char *s);
/* 1 if r passes every filter given. */
int row_filter_match(const struct row_filter *f, const muster_rec *r);
/* The asset state named s, in English or Chinese; -1 if none. */
int row_state_of(const char *s);

#endif
