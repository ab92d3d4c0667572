/*
 * label.c - QR labels: a PNG or an SVG per asset, and A4 sheets of them as PDF.
 *
 * Every code is level M, 8-bit, case-sensitive, so one payload always gives
 * the same symbol whatever the output.  No module is drawn on its own: the
 * PNG and SVG merge horizontal runs, the PDF outlines whole dark areas, so
 * there are fewer shapes and no hairline seams between neighbouring modules.
 */
#include "label.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <png.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QR_MIN_WIDTH 21     /* modules of a version 1 code */
#define QR_MAX_BYTES 2331   /* 8-bit bytes of a version 40 code at level M */
#define MIN_QUIET 4         /* the quiet zone ISO/IEC 18004 asks for */
#define MAX_QUIET 40
#define MAX_PX 100
#define MAX_MM 5000.0       /* anything larger is a unit mistake, not a page */
#define MIN_MODULE_MM 0.1   /* below this no printer or camera resolves a module */
#define TEXT_PAD_MM 1.5     /* keeps the caption off the die-cut edge */
#define MIN_SHRINK 0.7      /* text narrower than this is unreadable: ellipsize instead */
#define FIT_EPS 1e-6        /* tolerance for decimal millimetres adding up */

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void label_geom_default(struct label_geom *g)
{
	*g = (struct label_geom){
		.page_w = 210, .page_h = 297,
		.rows = 8, .cols = 3,
		.margin_top = 10.5, .margin_left = 7,
		.label_w = 64, .label_h = 34,
		.gap_x = 2.5, .gap_y = 0,
		.module = 0,
		.quiet = MIN_QUIET,
		.px = 4,
	};
}

static const struct label_geom *geom_or_default(const struct label_geom *g, struct label_geom *def)
{
	if (g)
		return g;
	label_geom_default(def);
	return def;
}

/* ---- the code ------------------------------------------------------------ */

static QRcode *encode(const char *payload, char *err, size_t errlen)
{
	if (!payload || !*payload) {
		fail(err, errlen, "label payload is empty: give every label a link to encode");
		return NULL;
	}
	errno = 0;
	QRcode *qr = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr)
		return qr;
	if (errno == ERANGE)
		fail(err, errlen, "label payload too long for a QR code (%zu bytes, %d max): shorten the site base URL",
			strlen(payload), QR_MAX_BYTES);
	else if (errno == ENOMEM)
		fail(err, errlen, "out of memory encoding a label's QR code: free memory or print fewer labels at once");
	else
		fail(err, errlen, "cannot encode the label payload as a QR code (%s): check the payload",
			strerror(errno ? errno : EINVAL));
	return NULL;
}

/* Finds the next run of dark modules at or after *x; bit 0 of each byte is "dark". */
static int next_run(const unsigned char *row, int w, int *x, int *len)
{
	int i = *x;
	while (i < w && !(row[i] & 1))
		i++;
	if (i == w)
		return 0;
	int j = i;
	while (j < w && (row[j] & 1))
		j++;
	*x = i;
	*len = j - i;
	return 1;
}

/* Outside the symbol is light, so edge modules need no special case. */
static int dark(const QRcode *qr, int x, int y)
{
	return x >= 0 && y >= 0 && x < qr->width && y < qr->width && (qr->data[y * qr->width + x] & 1);
}

static int quiet_of(const struct label_geom *g)
{
	return g->quiet < MIN_QUIET ? MIN_QUIET : g->quiet;
}

/* What PNG and SVG read of the geometry; the page layout does not concern them. */
static int check_raster(const struct label_geom *g, char *err, size_t errlen)
{
	if (g->px < 1 || g->px > MAX_PX)
		return fail(err, errlen, "label px %d is out of range 1..%d: set the pixels per module between 1 and %d",
			g->px, MAX_PX, MAX_PX);
	if (g->quiet < 0 || g->quiet > MAX_QUIET)
		return fail(err, errlen, "label quiet %d is out of range 0..%d: set the quiet zone to 4 modules",
			g->quiet, MAX_QUIET);
	return 0;
}

/* The caption must be UTF-8 for XML and for pango alike; say which asset is wrong. */
static int check_caption(const struct label_item *it, char *err, size_t errlen)
{
	if (it->id && !g_utf8_validate(it->id, -1, NULL))
		return fail(err, errlen, "label id is not valid UTF-8: re-enter the asset id as UTF-8 text");
	if (it->name && !g_utf8_validate(it->name, -1, NULL))
		return fail(err, errlen, "label name of asset %s is not valid UTF-8: re-enter the name as UTF-8 text",
			it->id ? it->id : "(no id)");
	return 0;
}

/* ---- PNG ----------------------------------------------------------------- */

struct png_ctx {
	char *err;
	size_t errlen;
};

static void png_err_fn(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);
	fail(c->err, c->errlen, "cannot write label PNG (%s): check the output file and free disk space", msg);
	png_longjmp(png, 1);
}

/* libpng would print warnings; this module prints nothing, and none can spoil the image. */
static void png_warn_fn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* Clears bits [from, from + n) of an MSB-first bit row: 0 is black in 1-bit grey. */
static void clear_bits(unsigned char *b, size_t from, size_t n)
{
	size_t end = from + n;
	for (; from < end && (from & 7); from++)
		b[from >> 3] &= (unsigned char)~(0x80u >> (from & 7));
	if (end - from >= 8) {
		memset(b + (from >> 3), 0, (end - from) >> 3);
		from += (end - from) & ~(size_t)7;
	}
	for (; from < end; from++)
		b[from >> 3] &= (unsigned char)~(0x80u >> (from & 7));
}

static void png_row_of(unsigned char *out, size_t nbytes, const unsigned char *mrow, int w, int q, int px)
{
	memset(out, 0xff, nbytes);
	for (int x = 0, len; next_run(mrow, w, &x, &len); x += len)
		clear_bits(out, (size_t)(q + x) * (size_t)px, (size_t)len * (size_t)px);
}

/* row is 2 * nbytes: a white row for the quiet zone, then the row being built. */
static int write_png(const QRcode *qr, int q, int px, FILE *f, unsigned char *row, size_t nbytes,
		     struct png_ctx *ctx)
{
	png_uint_32 side = (png_uint_32)(qr->width + 2 * q) * (png_uint_32)px;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, png_err_fn, png_warn_fn);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return fail(ctx->err, ctx->errlen, "out of memory writing a label PNG: free memory and retry");
	}
	/* Nothing below setjmp changes png, info or row, so they survive the longjmp. */
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/* A bilevel image compresses well without filters; level 1 keeps it fast. */
	png_set_filter(png, 0, PNG_FILTER_NONE);
	png_set_compression_level(png, 1);
	/* A tiny hash suffices for rows that repeat exactly, and keeps zlib from
	 * allocating (and the heap from trimming) some 160 KB per image. */
	png_set_compression_mem_level(png, 1);
	png_write_info(png, info);
	unsigned char *white = row, *cur = row + nbytes;
	memset(white, 0xff, nbytes);
	for (int i = 0; i < q * px; i++)
		png_write_row(png, white);
	for (int y = 0; y < qr->width; y++) {
		png_row_of(cur, nbytes, qr->data + (size_t)y * (size_t)qr->width, qr->width, q, px);
		for (int i = 0; i < px; i++)
			png_write_row(png, cur);
	}
	for (int i = 0; i < q * px; i++)
		png_write_row(png, white);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int label_png(const struct label_item *it, const struct label_geom *g, FILE *f, char *err, size_t errlen)
{
	struct label_geom def;
	g = geom_or_default(g, &def);
	if (!it || !f)
		return fail(err, errlen, "label_png needs a label and an open file: pass both");
	if (check_raster(g, err, errlen))
		return -1;
	QRcode *qr = encode(it->payload, err, errlen);
	if (!qr)
		return -1;
	int q = quiet_of(g);
	size_t nbytes = ((size_t)(qr->width + 2 * q) * (size_t)g->px + 7) / 8;
	unsigned char *row = malloc(2 * nbytes);
	struct png_ctx ctx = {err, errlen};
	int rc = row ? write_png(qr, q, g->px, f, row, nbytes, &ctx)
		     : fail(err, errlen, "out of memory writing a label PNG: free memory and retry");
	free(row);
	QRcode_free(qr);
	errno = 0;
	if (rc == 0 && (fflush(f) != 0 || ferror(f)))
		rc = fail(err, errlen, "cannot write label PNG: %s: check the output file and free disk space",
			strerror(errno ? errno : EIO));
	return rc;
}

/* ---- SVG ----------------------------------------------------------------- */

/* Decodes one code point of valid UTF-8 (checked before) and steps past it. */
static unsigned utf8_next(const char **sp)
{
	const unsigned char *s = (const unsigned char *)*sp;
	unsigned c = *s++;
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (more)
		c &= 0x3fu >> more;
	while (more-- > 0 && (*s & 0xc0) == 0x80)
		c = (c << 6) | (*s++ & 0x3fu);
	*sp = (const char *)s;
	return c;
}

/*
 * An SVG writer cannot measure glyphs, so widths are guessed in ems: CJK is
 * square, Latin averages a bit over half an em.  The guess only decides when
 * to squeeze (textLength) or cut, never where a glyph goes.
 */
static double em_width(unsigned c)
{
	return c >= 0x2e80 ? 1.0 : 0.6;
}

static void xml_put(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* C0 controls are not allowed in XML 1.0; a caption shows them as spaces. */
			fputc(c < 0x20 ? ' ' : c, f);
		}
	}
}

/* One centred <text>: squeezed to avail when a little too wide, cut with "…" when far too wide. */
static void svg_text(FILE *f, const char *s, int x, int y, int fs, int avail)
{
	if (!s || !*s)
		return;
	double full = 0, maxem = avail / (double)fs, cutem = maxem / MIN_SHRINK;
	size_t keep = 0;
	for (const char *p = s; *p;) {
		double cw = em_width(utf8_next(&p));
		if (full + cw + 1.0 <= cutem)
			keep = (size_t)(p - s);
		full += cw;
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"%d\"", x, y, fs);
	if (full > maxem)
		fprintf(f, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", avail);
	fputc('>', f);
	if (full > cutem) {
		xml_put(f, s, keep);
		fputs("\xe2\x80\xa6", f);
	} else {
		xml_put(f, s, strlen(s));
	}
	fputs("</text>\n", f);
}

static void svg_code(FILE *f, const QRcode *qr, int q, int px)
{
	/* Module units inside one path keep d short; crispEdges keeps runs sharp when scaled. */
	fprintf(f, "<path fill=\"#000\" shape-rendering=\"crispEdges\" transform=\"translate(%d %d) scale(%d)\" d=\"",
		q * px, q * px, px);
	for (int y = 0; y < qr->width; y++) {
		const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;
		for (int x = 0, len; next_run(row, qr->width, &x, &len); x += len)
			fprintf(f, "M%d %dh%dv1h-%dz", x, y, len, len);
	}
	fputs("\"/>\n", f);
}

static void write_svg(FILE *f, const QRcode *qr, const struct label_item *it, int q, int px)
{
	int side = (qr->width + 2 * q) * px;
	/* Caption sizes follow the code: about 1/14 of its side, never below 10 units. */
	int fs1 = side / 14 > 10 ? side / 14 : 10;
	int fs2 = fs1 * 7 / 8 > 9 ? fs1 * 7 / 8 : 9;
	int base1 = side + fs1, base2 = base1 + fs1 / 5 + fs2;
	int height = base2 + fs2 / 3 + 1;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		side, height, side, height, side, height);
	svg_code(f, qr, q, px);
	fputs("<g font-family=\"'" FONT_FAMILY "', sans-serif\" text-anchor=\"middle\" fill=\"#000\">\n", f);
	svg_text(f, it->name, side / 2, base1, fs1, side - 2 * px);
	svg_text(f, it->id, side / 2, base2, fs2, side - 2 * px);
	fputs("</g>\n</svg>\n", f);
}

int label_svg(const struct label_item *it, const struct label_geom *g, FILE *f, char *err, size_t errlen)
{
	struct label_geom def;
	g = geom_or_default(g, &def);
	if (!it || !f)
		return fail(err, errlen, "label_svg needs a label and an open file: pass both");
	if (check_raster(g, err, errlen) || check_caption(it, err, errlen))
		return -1;
	QRcode *qr = encode(it->payload, err, errlen);
	if (!qr)
		return -1;
	errno = 0;
	write_svg(f, qr, it, quiet_of(g), g->px);
	QRcode_free(qr);
	if (fflush(f) != 0 || ferror(f))
		return fail(err, errlen, "cannot write label SVG: %s: check the output file and free disk space",
			strerror(errno ? errno : EIO));
	return 0;
}

/* ---- geometry -------------------------------------------------------------- */

/* The caption block under a code, in mm; it scales with the label height. */
struct caption {
	double em1, em2;     /* font sizes of the name and the id lines */
	double base1, base2; /* their baselines below the top of the caption */
	double h;
};

static struct caption caption_of(double label_h)
{
	struct caption c;
	/* 34 mm labels get an 8 pt name (2.8 mm) and a 7 pt id. */
	c.em1 = label_h * (2.8 / 34);
	if (c.em1 < 1.4)
		c.em1 = 1.4;
	if (c.em1 > 4.2)
		c.em1 = 4.2;
	c.em2 = c.em1 * 0.875;
	/* CJK glyphs sit 0.88 em above the baseline and 0.12 below. */
	c.base1 = 0.95 * c.em1;
	c.base2 = 1.15 * c.em1 + 0.95 * c.em2;
	c.h = 1.15 * c.em1 + 1.2 * c.em2;
	return c;
}

struct dfield {
	const char *name;
	double v;
	int positive; /* else zero is allowed too */
};

static int check_mm(const struct dfield *d, char *err, size_t errlen)
{
	if (!isfinite(d->v) || d->v < 0 || (d->positive && d->v == 0))
		return fail(err, errlen, "label geometry %s %g is not %s number of millimetres: set it %s", d->name, d->v,
			d->positive ? "a positive" : "a non-negative", d->positive ? "above 0" : "to 0 or more");
	if (d->v > MAX_MM)
		return fail(err, errlen, "label geometry %s %g mm is over %g mm: give sizes in millimetres", d->name,
			d->v, MAX_MM);
	return 0;
}

static int check_count(const char *name, int v, int lo, int hi, char *err, size_t errlen)
{
	if (v < lo || v > hi)
		return fail(err, errlen, "label geometry %s %d is out of range %d..%d: set %s between %d and %d", name, v,
			lo, hi, name, lo, hi);
	return 0;
}

static int check_values(const struct label_geom *g, char *err, size_t errlen)
{
	const struct dfield d[] = {
		{"page_w", g->page_w, 1}, {"page_h", g->page_h, 1},
		{"margin_top", g->margin_top, 0}, {"margin_left", g->margin_left, 0},
		{"label_w", g->label_w, 1}, {"label_h", g->label_h, 1},
		{"gap_x", g->gap_x, 0}, {"gap_y", g->gap_y, 0},
		{"module", g->module, 0},
	};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		if (check_mm(&d[i], err, errlen))
			return -1;
	if (check_count("rows", g->rows, 1, 100, err, errlen) || check_count("cols", g->cols, 1, 100, err, errlen) ||
	    check_count("quiet", g->quiet, 0, MAX_QUIET, err, errlen) || check_count("px", g->px, 1, MAX_PX, err, errlen))
		return -1;
	return 0;
}

static int check_page(const struct label_geom *g, char *err, size_t errlen)
{
	double across = g->margin_left + g->cols * g->label_w + (g->cols - 1) * g->gap_x;
	double down = g->margin_top + g->rows * g->label_h + (g->rows - 1) * g->gap_y;
	if (across > g->page_w + FIT_EPS)
		return fail(err, errlen,
			"labels do not fit across the page: margin_left %g + cols %d x label_w %g + %d x gap_x %g = %g mm "
			"exceeds page_w %g mm: use fewer cols, narrower labels or smaller gaps",
			g->margin_left, g->cols, g->label_w, g->cols - 1, g->gap_x, across, g->page_w);
	if (down > g->page_h + FIT_EPS)
		return fail(err, errlen,
			"labels do not fit down the page: margin_top %g + rows %d x label_h %g + %d x gap_y %g = %g mm "
			"exceeds page_h %g mm: use fewer rows, shorter labels or smaller gaps",
			g->margin_top, g->rows, g->label_h, g->rows - 1, g->gap_y, down, g->page_h);
	return 0;
}

/* Room for the code with its quiet zone: the label's width, and its height less the caption. */
static double code_room(const struct label_geom *g)
{
	double h = g->label_h - caption_of(g->label_h).h;
	return h < g->label_w ? h : g->label_w;
}

/* Only the smallest code (version 1) is known here; label_pdf checks the real ones. */
static int check_code_fits(const struct label_geom *g, char *err, size_t errlen)
{
	int mods = QR_MIN_WIDTH + 2 * g->quiet;
	double room = code_room(g);
	if (room <= 0)
		return fail(err, errlen, "label_h %g mm leaves no room for a QR code above its %.1f mm caption: make labels taller",
			g->label_h, caption_of(g->label_h).h);
	if (g->module > 0 && g->module < MIN_MODULE_MM)
		return fail(err, errlen, "label module %g mm is below %g mm, too small to print or scan: set module to 0 (auto)",
			g->module, MIN_MODULE_MM);
	if (g->module > 0 && mods * g->module > room + FIT_EPS)
		return fail(err, errlen,
			"label module %g mm makes even the smallest QR code (%d modules with the quiet zone) %g mm, more than the "
			"%g mm the %g x %g mm label has for it: lower module or set it to 0 (auto)",
			g->module, mods, mods * g->module, room, g->label_w, g->label_h);
	if (g->module == 0 && room / mods < MIN_MODULE_MM)
		return fail(err, errlen, "label_w %g x label_h %g mm is too small for a scannable QR code: use bigger labels",
			g->label_w, g->label_h);
	return 0;
}

int label_geom_check(const struct label_geom *g, char *err, size_t errlen)
{
	if (!g)
		return fail(err, errlen, "no label geometry given: start from label_geom_default()");
	if (check_values(g, err, errlen) || check_page(g, err, errlen) || check_code_fits(g, err, errlen))
		return -1;
	return 0;
}

/* ---- PDF ----------------------------------------------------------------- */

#define PT_PER_MM (72 / 25.4)

cairo_status_t pdf_out_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf_out *o = closure;
	if (fwrite(data, 1, len, o->f) == len)
		return CAIRO_STATUS_SUCCESS;
	if (!o->err)
		o->err = errno ? errno : EIO;
	return CAIRO_STATUS_WRITE_ERROR;
}

/*
 * A font map of our own rather than pango's per-thread default: freeing it
 * after the document lets go of every font it loaded, so a long-running
 * process does not keep them, and leak checkers have nothing to report.
 */
int cjk_text_init(struct cjk_text *t, cairo_t *cr)
{
	*t = (struct cjk_text){0};
	t->fonts = pango_cairo_font_map_new();
	t->ctx = t->fonts ? pango_font_map_create_context(t->fonts) : NULL;
	if (!t->ctx)
		return -1;
	pango_cairo_update_context(cr, t->ctx);
	/* Sizes are a few mm or points: rounding glyph positions to whole units would wreck them. */
	pango_context_set_round_glyph_positions(t->ctx, FALSE);
	t->lay = pango_layout_new(t->ctx);
	t->fd = pango_font_description_from_string(FONT_FAMILY);
	return t->lay && t->fd ? 0 : -1;
}

void cjk_text_free(struct cjk_text *t)
{
	if (t->lay)
		g_object_unref(t->lay);
	if (t->ctx)
		g_object_unref(t->ctx);
	if (t->fonts)
		g_object_unref(t->fonts);
	if (t->fd)
		pango_font_description_free(t->fd);
	free(t->buf);
}

/* The caption with control characters as spaces, as the SVG shows them. */
static const char *text_clean(struct cjk_text *t, const char *s)
{
	size_t n = strlen(s);
	if (n + 1 > t->cap) {
		char *b = realloc(t->buf, n + 1);
		if (!b)
			return NULL;
		t->buf = b;
		t->cap = n + 1;
	}
	for (size_t i = 0; i <= n; i++)
		t->buf[i] = (s[i] > 0 && s[i] < 0x20) ? ' ' : s[i];
	return t->buf;
}

static double text_width(struct cjk_text *t, double em)
{
	PangoRectangle log;
	pango_font_description_set_absolute_size(t->fd, em * PANGO_SCALE);
	pango_layout_set_font_description(t->lay, t->fd);
	pango_layout_get_extents(t->lay, NULL, &log);
	return log.width / (double)PANGO_SCALE;
}

/* Shows s centred on cx with its baseline at y: shrunk a little, or ellipsized, to fit avail. */
static int show_line(cairo_t *cr, struct cjk_text *t, const char *s, double cx, double y, double em, double avail)
{
	if (!s || !*s)
		return 0;
	s = text_clean(t, s);
	if (!s)
		return -1;
	pango_layout_set_text(t->lay, s, -1);
	double w = text_width(t, em);
	int cut = 0;
	if (w > avail && w * MIN_SHRINK <= avail) {
		w = text_width(t, em * avail / w);
	} else if (w > avail) {
		pango_layout_set_width(t->lay, (int)(avail * PANGO_SCALE));
		pango_layout_set_ellipsize(t->lay, PANGO_ELLIPSIZE_END);
		w = text_width(t, em * MIN_SHRINK);
		cut = 1;
	}
	double base = pango_layout_get_baseline(t->lay) / (double)PANGO_SCALE;
	cairo_move_to(cr, cx - w / 2, y - base);
	pango_cairo_show_layout(cr, t->lay);
	if (cut) {
		pango_layout_set_width(t->lay, -1);
		pango_layout_set_ellipsize(t->lay, PANGO_ELLIPSIZE_NONE);
	}
	return 0;
}

/*
 * The code as the outlines of its dark areas, one path filled once.  Rows of
 * run rectangles would do, but outlines need a third fewer points, and points
 * are what a sheet's time goes on: cairo prints each one with printf and
 * deflates the text.  Every boundary edge keeps dark on its right, so the
 * non-zero fill is right however the loops are joined.
 */
enum { EAST, SOUTH, WEST, NORTH };

/* Outgoing boundary edges of each lattice point, one bit per direction. */
static void code_edges(const QRcode *qr, unsigned char *out)
{
	int w = qr->width, n = w + 1;
	memset(out, 0, (size_t)n * (size_t)n);
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++) {
			if (!dark(qr, x, y))
				continue;
			if (!dark(qr, x, y - 1))
				out[y * n + x] |= 1 << EAST;
			if (!dark(qr, x + 1, y))
				out[y * n + x + 1] |= 1 << SOUTH;
			if (!dark(qr, x, y + 1))
				out[(y + 1) * n + x + 1] |= 1 << WEST;
			if (!dark(qr, x - 1, y))
				out[(y + 1) * n + x] |= 1 << NORTH;
		}
}

/* Follows one loop from p, using up its edges; each corner becomes a point of the path. */
static void trace_loop(cairo_t *cr, unsigned char *out, int n, int p)
{
	static const int dx[] = {1, 0, -1, 0}, dy[] = {0, 1, 0, -1};
	int start = p, d = 0;
	while (!(out[p] & (1 << d)))
		d++;
	cairo_move_to(cr, p % n, p / n);
	for (;;) {
		out[p] &= (unsigned char)~(1 << d);
		p += dy[d] * n + dx[d];
		if (p == start)
			break;
		/* Where two areas touch at a corner, turning right keeps them apart. */
		int nd = (out[p] & (1 << ((d + 1) & 3))) ? (d + 1) & 3 : (out[p] & (1 << d)) ? d : (d + 3) & 3;
		if (nd != d)
			cairo_line_to(cr, p % n, p / n);
		d = nd;
	}
	cairo_close_path(cr);
}

/*
 * The outlines go into a form (a recording surface) in module units, placed
 * with one transform: the numbers cairo prints are then small integers, which
 * makes a sheet a fifth faster and smaller than with millimetre coordinates.
 */
static void draw_code(cairo_t *cr, const QRcode *qr, unsigned char *edges, double x0, double y0, double m)
{
	int n = qr->width + 1;
	cairo_rectangle_t ext = {0, 0, qr->width, qr->width};
	cairo_surface_t *form = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
	cairo_t *fc = cairo_create(form);
	code_edges(qr, edges);
	/* The first point of a loop in raster order is always a corner. */
	for (int p = 0; p < n * n; p++)
		while (edges[p])
			trace_loop(fc, edges, n, p);
	cairo_fill(fc);
	cairo_destroy(fc);
	cairo_save(cr);
	cairo_translate(cr, x0, y0);
	cairo_scale(cr, m, m);
	cairo_set_source_surface(cr, form, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
	cairo_surface_destroy(form);
}

struct sheet {
	const struct label_geom *g;
	struct caption cap;
	double m;  /* module size, the same for every code of the document */
	int mods;  /* modules across the largest code, quiet zone included */
	unsigned char *edges; /* draw_code's lattice, sized for the largest code */
	label_tick_fn tick;   /* told after each full page; may be NULL */
	void *tick_arg;
};

/* The code and caption as one block centred in the label, the code centred above. */
static int draw_label(cairo_t *cr, struct cjk_text *t, const struct sheet *sh, const QRcode *qr,
		      const struct label_item *it, size_t slot)
{
	const struct label_geom *g = sh->g;
	size_t r = slot / (size_t)g->cols, c = slot % (size_t)g->cols;
	double lx = g->margin_left + (double)c * (g->label_w + g->gap_x);
	double ly = g->margin_top + (double)r * (g->label_h + g->gap_y);
	double block = sh->mods * sh->m;
	double top = ly + (g->label_h - block - sh->cap.h) / 2;
	double cx = lx + g->label_w / 2;
	double side = (qr->width + 2 * g->quiet) * sh->m;
	draw_code(cr, qr, sh->edges, cx - side / 2 + g->quiet * sh->m, top + (block - side) / 2 + g->quiet * sh->m, sh->m);
	double avail = g->label_w - 2 * TEXT_PAD_MM;
	if (show_line(cr, t, it->name, cx, top + block + sh->cap.base1, sh->cap.em1, avail) ||
	    show_line(cr, t, it->id, cx, top + block + sh->cap.base2, sh->cap.em2, avail))
		return -1;
	return 0;
}

/* Encodes every payload first: a bad one fails before the file exists, and all share one module size. */
static QRcode **encode_all(const struct label_item *items, size_t n, int *maxw, char *err, size_t errlen)
{
	QRcode **qr = calloc(n, sizeof *qr);
	if (!qr) {
		fail(err, errlen, "out of memory for %zu labels: print fewer labels at once", n);
		return NULL;
	}
	*maxw = 0;
	for (size_t i = 0; i < n; i++) {
		char why[200];
		if (check_caption(&items[i], why, sizeof why) || !(qr[i] = encode(items[i].payload, why, sizeof why))) {
			fail(err, errlen, "label %zu (id %s): %s", i + 1, items[i].id ? items[i].id : "none", why);
			while (i-- > 0)
				QRcode_free(qr[i]);
			free(qr);
			return NULL;
		}
		if (qr[i]->width > *maxw)
			*maxw = qr[i]->width;
	}
	return qr;
}

static int size_module(struct sheet *sh, int maxw, char *err, size_t errlen)
{
	const struct label_geom *g = sh->g;
	double room = code_room(g);
	sh->cap = caption_of(g->label_h);
	sh->mods = maxw + 2 * g->quiet;
	sh->m = g->module > 0 ? g->module : room / sh->mods;
	if (sh->mods * sh->m > room + FIT_EPS)
		return fail(err, errlen,
			"label QR codes of %d modules (quiet zone included) at module %g mm need %g mm, more than the %g mm "
			"a %g x %g mm label has: set module to 0 (auto) or shorten the site base URL",
			sh->mods, sh->m, sh->mods * sh->m, room, g->label_w, g->label_h);
	if (sh->m < MIN_MODULE_MM)
		return fail(err, errlen,
			"label QR codes of %d modules get %.3f mm modules on a %g x %g mm label, too small to print: "
			"use bigger labels or shorten the site base URL",
			sh->mods, sh->m, g->label_w, g->label_h);
	sh->edges = malloc((size_t)(maxw + 1) * (size_t)(maxw + 1));
	if (!sh->edges)
		return fail(err, errlen, "out of memory laying out labels: free memory and retry");
	return 0;
}

static int draw_all(cairo_t *cr, const struct sheet *sh, QRcode **qr, const struct label_item *items, size_t n)
{
	struct cjk_text t;
	int rc = cjk_text_init(&t, cr);
	if (rc == 0)
		pango_layout_set_single_paragraph_mode(t.lay, TRUE);
	size_t per = (size_t)sh->g->rows * (size_t)sh->g->cols;
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (i && i % per == 0) {
			cairo_show_page(cr);
			if (sh->tick)
				sh->tick(i, n, sh->tick_arg);
		}
		rc = draw_label(cr, &t, sh, qr[i], &items[i], i % per);
	}
	if (rc == 0)
		cairo_show_page(cr);
	cjk_text_free(&t);
	return rc;
}

static void pdf_metadata(cairo_surface_t *s)
{
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Muster asset labels");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "Muster");
#else
	(void)s;
#endif
}

/* Renders into an open file; the caller closes it and removes it on failure. */
static int render_pdf(FILE *f, const struct sheet *sh, QRcode **qr, const struct label_item *items, size_t n,
		      const char *path, char *err, size_t errlen)
{
	struct pdf_out out = {f, 0};
	const struct label_geom *g = sh->g;
	cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_out_write, &out, g->page_w * PT_PER_MM,
								 g->page_h * PT_PER_MM);
	pdf_metadata(s);
	cairo_t *cr = cairo_create(s);
	/* Draw in millimetres; pango then takes absolute font sizes in millimetres too. */
	cairo_scale(cr, PT_PER_MM, PT_PER_MM);
	int rc = draw_all(cr, sh, qr, items, n);
	cairo_status_t st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (out.err)
		return fail(err, errlen, "cannot write label PDF %s: %s: check free disk space", path, strerror(out.err));
	if (rc || st != CAIRO_STATUS_SUCCESS)
		return fail(err, errlen, "cannot render label PDF %s: %s: free memory and retry", path,
			rc ? "out of memory" : cairo_status_to_string(st));
	return 0;
}

static int write_pdf(const struct sheet *sh, QRcode **qr, const struct label_item *items, size_t n,
		     const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return fail(err, errlen, "cannot create label PDF %s: %s: check the directory exists and is writable",
			path, strerror(errno));
	/* Only a regular file is ours to remove: path may be a device or a pipe. */
	struct stat st;
	int regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	int rc = render_pdf(f, sh, qr, items, n, path, err, errlen);
	if (fclose(f) != 0 && rc == 0)
		rc = fail(err, errlen, "cannot write label PDF %s: %s: check free disk space", path, strerror(errno));
	if (rc && regular)
		unlink(path);
	return rc;
}

int label_pdf(const struct label_item *items, size_t n, const struct label_geom *g, const char *path, char *err,
	      size_t errlen)
{
	return label_pdf_progress(items, n, g, path, NULL, NULL, err, errlen);
}

int label_pdf_progress(const struct label_item *items, size_t n, const struct label_geom *g, const char *path,
		       label_tick_fn tick, void *arg, char *err, size_t errlen)
{
	struct label_geom def;
	g = geom_or_default(g, &def);
	char why[400];
	if (!items && n)
		return fail(err, errlen, "no label items given for %s: pass the labels to print", path ? path : "the PDF");
	if (!path || !*path)
		return fail(err, errlen, "no label PDF path given: name an output file");
	if (n == 0)
		return fail(err, errlen, "no labels for %s: select at least one asset", path);
	if (label_geom_check(g, why, sizeof why))
		return fail(err, errlen, "cannot lay out label PDF %s: %s", path, why);
	int maxw;
	QRcode **qr = encode_all(items, n, &maxw, why, sizeof why);
	if (!qr)
		return fail(err, errlen, "cannot make label PDF %s: %s", path, why);
	struct sheet sh = {.g = g, .tick = tick, .tick_arg = arg};
	int rc = size_module(&sh, maxw, why, sizeof why);
	if (rc)
		fail(err, errlen, "cannot lay out label PDF %s: %s", path, why);
	else
		rc = write_pdf(&sh, qr, items, n, path, err, errlen);
	for (size_t i = 0; i < n; i++)
		QRcode_free(qr[i]);
	free(qr);
	free(sh.edges);
	return rc;
}
