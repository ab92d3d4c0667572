/*
 * tilepath.h - C2SP tlog-tiles names, for muster log export and musterd:
 * "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]", N in groups of
 * three digits, all but the last prefixed "x" (1234067: x001/x234/067).
 */
#ifndef MUSTER_TILEPATH_H
#define MUSTER_TILEPATH_H

#include <stddef.h>
#include <stdint.h>

#define TILE_ENTRIES (-1) /* the level of entry bundles */

/* "tile/0/x001/234.p/5" into out (cap bytes; 64 is always enough); w 256 is a full tile. */
void tile_name(char *out, size_t cap, int level, uint64_t n, size_t w);
/*
 * Parses a name tile_name would write (and only such a name: no other
 * spelling of the same tile): 0 with *level (0..7 or TILE_ENTRIES), *n and
 * *w (1..256), or -1.
 */
int tile_parse(const char *name, int *level, uint64_t *n, size_t *w);

/*
 * A muster_entry_cb that appends one entry to an entry bundle, the
 * muster_buf at arg: a big-endian 16-bit length, then the bytes.
 * MUSTER_ETOOBIG for an entry over 65,535 bytes.
 */
int tile_entry_add(uint64_t index, const uint8_t *p, size_t len, void *arg);

#endif
