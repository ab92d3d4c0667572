/* rowfilter.c - the list commands' filter (rowfilter.h). */
#include "config.h"

#include "rowfilter.h"

#include <string.h>

int row_fv_is(const muster_rec *r, unsigned tag, const char *s)
{
	return MUSTER_HAS(r, tag) && r->v[tag].n == strlen(s) && memcmp(r->v[tag].p, s, r->v[tag].n) == 0;
}

int row_filter_match(const struct row_filter *f, const muster_rec *r)
{
	return (!f->team || row_fv_is(r, MF_TEAM, f->team)) && (!f->depot || row_fv_is(r, MF_DEPOT, f->depot)) &&
	       (f->state < 0 || r->v[MF_STATE].u == (uint64_t)f->state);
}

int row_state_of(const char *s)
{
	for (int i = 0; muster_asset_states[i]; i++)
		if (strcmp(s, muster_asset_states[i]) == 0 || strcmp(s, muster_asset_states_zh[i]) == 0)
			return i;
	return -1;
}
