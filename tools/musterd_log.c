/*
 * musterd_log.c - the log as C2SP tlog-tiles, read-only, straight from the
 * store (--serve-log): GET /checkpoint, /tile/<L>/<N>[.p/<W>] and
 * /tile/entries/<N>[.p/<W>], the same names `muster log export --tiles`
 * writes (tilepath.c), so a mirror reads a depot's musterd or a folder
 * copied from it alike.
 *
 * A tile of a given width never changes (its hashes and entries are
 * settled once the log reaches it), so tiles are served immutable; the
 * checkpoint is the latest signed one and is not cached.  A tile the log
 * has not reached yet is 404.
 */
#include "config.h"

#include "musterd.h"
#include "tilepath.h"

#include <stdlib.h>
#include <string.h>

#define IMMUTABLE "public, max-age=31536000, immutable"

static enum MHD_Result not_there(struct MHD_Connection *c)
{
	return http_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such tile in this log (yet)", "日志中（尚）无此 tile");
}

enum MHD_Result api_log(struct MHD_Connection *c, const char *path)
{
	if (strcmp(path, "/checkpoint") == 0) {
		muster_buf ck = {0};
		int rc = muster_log_checkpoint(srv.store, UINT64_MAX, &ck, NULL);
		if (!rc)
			rc = ck.err;
		if (rc) {
			muster_buf_free(&ck);
			return http_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", muster_strerror(rc), muster_strerror_zh(rc));
		}
		static const char *const hdrs[] = {MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache", NULL};
		enum MHD_Result ret = http_bytes(c, MHD_HTTP_OK, ck.data, ck.len, "text/plain; charset=utf-8", hdrs);
		muster_buf_free(&ck);
		return ret;
	}
	int level;
	uint64_t n, size;
	size_t w, got;
	if (tile_parse(path + 1, &level, &n, &w) != 0 || muster_log_size(srv.store, &size) != 0)
		return not_there(c);
	static const char *const hdrs[] = {MHD_HTTP_HEADER_CACHE_CONTROL, IMMUTABLE, NULL};
	int bits = level == TILE_ENTRIES ? 0 : 8 * level;
	/* The smallest tree that holds this tile at this width: its hashes are settled from there on. */
	uint64_t first = n * 256 + w;
	if (first > (size >> bits))
		return not_there(c);
	if (level == TILE_ENTRIES) {
		muster_buf b = {0};
		int rc = muster_log_scan(srv.store, n * 256, w, tile_entry_add, &b);
		enum MHD_Result ret = rc ? not_there(c) : http_bytes(c, MHD_HTTP_OK, b.data, b.len, "application/octet-stream", hdrs);
		muster_buf_free(&b);
		return ret;
	}
	uint8_t(*h)[MUSTER_HASH_BYTES] = malloc(256 * MUSTER_HASH_BYTES);
	int rc = h ? muster_log_tile(srv.store, first << bits, level, n, h, &got) : MUSTER_ENOMEM;
	enum MHD_Result ret = rc || got != w ? not_there(c) :
		http_bytes(c, MHD_HTTP_OK, h, w * MUSTER_HASH_BYTES, "application/octet-stream", hdrs);
	free(h);
	return ret;
}
