/*
 * muster/json.h - writing JSON into a muster_buf: strings escaped per
 * RFC 8259 (UTF-8 passes through), integers exact.
 */
#ifndef MUSTER_JSON_H
#define MUSTER_JSON_H

#include <muster/codec.h>

#ifdef __cplusplus
extern "C" {
#endif

MUSTER_API void muster_json_str(muster_buf *b, const char *s, size_t n);
MUSTER_API void muster_json_cstr(muster_buf *b, const char *s);
/* A base64 (standard alphabet, padded) string of p[0..n). */
MUSTER_API void muster_json_b64(muster_buf *b, const uint8_t *p, size_t n);
MUSTER_API void muster_json_hex(muster_buf *b, const uint8_t *p, size_t n);
/* An ISO 8601 UTC time "2026-11-25T07:50:49.123Z" as a JSON string. */
MUSTER_API void muster_json_time(muster_buf *b, uint64_t time_ms);

/* Formats time_ms as ISO 8601 UTC into out (at least 25 bytes). */
MUSTER_API void muster_time_iso(uint64_t time_ms, char out[32]);
/* Same, in Asia/Shanghai (UTC+8, no DST), "2026-11-25 15:50:49". */
MUSTER_API void muster_time_local(uint64_t time_ms, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
