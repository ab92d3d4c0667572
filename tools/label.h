/* tools/label.h - QR labels: PNG and SVG per asset, PDF A4 sheets. */
#ifndef MUSTER_LABEL_H
#define MUSTER_LABEL_H

#include <pango/pangocairo.h>
#include <stddef.h>
#include <stdio.h>

struct label_item {
	const char *payload; /* the QR payload, UTF-8, e.g. "https://muster.example.cn/t/AbC...-_" (~90-160 bytes) */
	const char *name;    /* caption line 1: the asset's Chinese name, e.g. "正压氧气呼吸器" (may be "" ) */
	const char *id;      /* caption line 2: the asset id, e.g. "KS-2026-00017" */
};

struct label_geom {        /* everything in millimetres unless said */
	double page_w, page_h;           /* PDF page: A4 210 x 297 */
	int rows, cols;                  /* labels per page: default 8 rows x 3 cols */
	double margin_top, margin_left;  /* default 10.5, 7 */
	double label_w, label_h;         /* default 64, 34 */
	double gap_x, gap_y;             /* default 2.5, 0 */
	double module;                   /* QR module size in mm on the PDF; 0 = largest that fits the label (leaving room for the caption) */
	int quiet;                       /* quiet zone in modules, default 4 (never less than 4 for PNG/SVG output) */
	int px;                          /* PNG/SVG: pixels (user units) per module, default 4 */
};

/*
 * Chinese text on a cairo surface, for the label sheets and the audit
 * report: a font map of its own (freed with it), a context for cr, one
 * layout and the "Noto Sans CJK SC" description, and a scratch buffer the
 * user may grow (buf, cap).  cjk_text_init returns 0 or -1 (out of memory;
 * cjk_text_free is still safe).
 */
#define FONT_FAMILY "Noto Sans CJK SC"
struct cjk_text {
	PangoFontMap *fonts;
	PangoContext *ctx;
	PangoLayout *lay;
	PangoFontDescription *fd;
	char *buf;
	size_t cap;
};
int cjk_text_init(struct cjk_text *t, cairo_t *cr);

/*
 * A cairo PDF stream into our own FILE, so that a failed write keeps its
 * errno (cairo would only say "write error"): pass pdf_out_write and a
 * struct pdf_out to cairo_pdf_surface_create_for_stream.
 */
struct pdf_out {
	FILE *f;
	int err; /* errno of the first failed write */
};
cairo_status_t pdf_out_write(void *closure, const unsigned char *data, unsigned int len);
void cjk_text_free(struct cjk_text *t);

void label_geom_default(struct label_geom *g);
/* Checks geometry: labels fit on the page, positive sizes, rows/cols 1..100, QR with quiet zone fits in the label with a caption below. 0, or -1 with a one-line English reason in err naming the offending value and what to do. */
int label_geom_check(const struct label_geom *g, char *err, size_t errlen);
/* One PNG of it->payload's code: 1-bit greyscale (or 8-bit if you must), quiet zone included, written with libpng to f. Level M, 8-bit mode, case-sensitive. Fast: this is benchmarked against raw QRcode_encodeString; use a low zlib level and filter none, build rows directly. 0 or -1 with err. */
int label_png(const struct label_item *it, const struct label_geom *g, FILE *f, char *err, size_t errlen);
/* One SVG document: the code (merge horizontal runs of dark modules into one <rect> or one <path>; shape-rendering="crispEdges"), quiet zone, and the caption (name, id) as <text> below in font-family "Noto Sans CJK SC", properly XML-escaped. */
int label_svg(const struct label_item *it, const struct label_geom *g, FILE *f, char *err, size_t errlen);
/* A print-ready PDF (cairo PDF surface, pango for text) of n labels laid out rows x cols per A4 page, as many pages as needed; under each code the name and the id centred, CJK via pango with font "Noto Sans CJK SC"; text shrinks or ellipsizes to fit the label width. Must render 1,000 labels in well under 3 s on a slow 2-core machine (draw each code as one path of run-merged rectangles, fill once; reuse one PangoLayout). 0 or -1 with err (path in message). Write to path; on failure remove the partial file. */
int label_pdf(const struct label_item *items, size_t n, const struct label_geom *g, const char *path, char *err, size_t errlen);
/* label_pdf, calling tick (may be NULL) after each page but the last with the number of labels drawn so far (< n). */
typedef void (*label_tick_fn)(size_t done, size_t n, void *arg);
int label_pdf_progress(const struct label_item *items, size_t n, const struct label_geom *g, const char *path,
	label_tick_fn tick, void *arg, char *err, size_t errlen);

/*
 * Notes on the contract (details the declarations above leave open):
 * - g may be NULL in label_png, label_svg and label_pdf: the defaults are used.
 * - label_png and label_svg read only g->quiet (raised to 4) and g->px (1..100).
 * - label_geom_check can only know the smallest code (version 1); label_pdf
 *   refuses, naming the asset id, a code that does not fit at a fixed module.
 * - The caption's size follows label_h (about 8 pt name, 7 pt id at 34 mm).
 * - name and id must be valid UTF-8 (NULL is taken as ""); control characters
 *   are shown as spaces.
 */

#endif
