/* tilepath.c - C2SP tlog-tiles names (tilepath.h). */
#include "config.h"

#include "tilepath.h"

#include <muster/muster.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tile_name(char *out, size_t cap, int level, uint64_t n, size_t w)
{
	char num[40], lv[12];
	unsigned g[8];
	int k = 0;
	size_t o = 0;
	do {
		g[k++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n && k < 8);
	for (int i = k - 1; i >= 0; i--)
		o += (size_t)snprintf(num + o, sizeof num - o, "%s%s%03u", i == k - 1 ? "" : "/", i ? "x" : "", g[i]);
	if (level == TILE_ENTRIES)
		snprintf(lv, sizeof lv, "entries");
	else
		snprintf(lv, sizeof lv, "%d", level);
	if (w < 256)
		snprintf(out, cap, "tile/%s/%s.p/%zu", lv, num, w);
	else
		snprintf(out, cap, "tile/%s/%s", lv, num);
}

int tile_parse(const char *name, int *level, uint64_t *n, size_t *w)
{
	const char *p;
	if (strncmp(name, "tile/entries/", 13) == 0) {
		*level = TILE_ENTRIES;
		p = name + 13;
	} else if (strncmp(name, "tile/", 5) == 0 && name[5] >= '0' && name[5] <= '7' && name[6] == '/') {
		*level = name[5] - '0';
		p = name + 7;
	} else {
		return -1;
	}
	/* The groups: xDDD/ ... DDD, then maybe .p/W. */
	uint64_t v = 0;
	int groups = 0;
	for (;;) {
		int x = *p == 'x';
		if (x)
			p++;
		if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') || ++groups > 7)
			return -1;
		v = v * 1000 + (uint64_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		p += 3;
		if (!x)
			break;
		if (*p++ != '/')
			return -1;
	}
	*n = v;
	*w = 256;
	if (*p) {
		char *end;
		if (strncmp(p, ".p/", 3) != 0 || p[3] < '1' || p[3] > '9')
			return -1;
		unsigned long k = strtoul(p + 3, &end, 10);
		if (*end || k < 1 || k > 255)
			return -1;
		*w = k;
	}
	/* Only the one spelling: "x000/001" and the like are not names of tile 1. */
	char again[64];
	tile_name(again, sizeof again, *level, *n, *w);
	return strcmp(again, name) == 0 ? 0 : -1;
}

int tile_entry_add(uint64_t index, const uint8_t *p, size_t len, void *arg)
{
	muster_buf *b = arg;
	(void)index;
	if (len > 0xffff)
		return MUSTER_ETOOBIG;
	uint8_t be[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	muster_buf_put(b, be, 2);
	muster_buf_put(b, p, len);
	return b->err;
}
