/*
 * test_label.c - QR labels: PNG, SVG and PDF sheets decode back to their
 * payloads (zbarimg, rsvg-convert, pdftoppm from PATH), and bad geometry is
 * refused with a reason.  A missing tool skips its assertions, or fails them
 * when MUSTER_REQUIRE_ALL=1.
 */
#include "tap.h"

#include "label.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NPAGE 24   /* labels per page at the default 8 x 3 */
#define NSHEET 60  /* 3 pages: 24, 24, 12 */
#define NBIG 1000
#define PAYLOAD_MAX 160

static char dir[256];

/*
 * Under LeakSanitizer (configure --enable-asan) two leaks are the libraries'
 * own and label.c cannot free them: fontconfig's parse of its configuration
 * (once per process) and cairo 1.16's CFF subsetter, 768 bytes per PDF that
 * embeds Noto Sans CJK.  Naming them by function needs whole stacks, hence the
 * slow unwinder; without sanitizers these two functions are never called.
 */
#ifdef __GNUC__
#define SANITIZER_HOOK __attribute__((visibility("default"), used))
#else
#define SANITIZER_HOOK
#endif
SANITIZER_HOOK const char *__lsan_default_suppressions(void);
SANITIZER_HOOK const char *__asan_default_options(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:FcInitLoadConfigAndFonts\nleak:cairo_surface_finish\n";
}

const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static void skip(const char *why)
{
	printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

static int on_path(const char *tool)
{
	const char *path = getenv("PATH");
	char buf[4096];
	while (path && *path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		size_t t = strlen(tool);
		if (n && n + t + 2 <= sizeof buf) {
			memcpy(buf, path, n);
			buf[n] = '/';
			memcpy(buf + n + 1, tool, t + 1);
			if (access(buf, X_OK) == 0)
				return 1;
		}
		path = end ? end + 1 : NULL;
	}
	return 0;
}

/* 1 when the tools are there; else accounts for the `count` assertions that cannot run. */
static int tools(const char *a, const char *b, int count, const char *what)
{
	const char *missing = !on_path(a) ? a : (b && !on_path(b)) ? b : NULL;
	if (!missing)
		return 1;
	const char *req = getenv("MUSTER_REQUIRE_ALL");
	char why[256];
	snprintf(why, sizeof why, "%s: %s is not on PATH", what, missing);
	for (int i = 0; i < count; i++) {
		if (req && strcmp(req, "1") == 0)
			ok(0, "%s (MUSTER_REQUIRE_ALL=1)", why);
		else
			skip(why);
	}
	return 0;
}

static const char *path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* A link as muster makes them: the site, /t/, then 106 base64url characters ending in "-_". */
static void make_payload(char *buf, unsigned seed)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int n = snprintf(buf, PAYLOAD_MAX, "https://muster.example.cn/t/");
	for (int i = 0; i < 104; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[n++] = b64[(seed >> 16) & 63];
	}
	buf[n++] = '-';
	buf[n++] = '_';
	buf[n] = '\0';
}

/* The command's standard output (its stderr dropped: zbarimg talks of D-Bus there). */
static char *run(const char *cmd)
{
	char full[2048];
	snprintf(full, sizeof full, "%s 2>/dev/null", cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return NULL;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	size_t got;
	while (out && (got = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += got;
		if (cap - len < 2) {
			char *bigger = realloc(out, cap * 2);
			if (!bigger) {
				free(out);
				out = NULL;
				break;
			}
			out = bigger;
			cap *= 2;
		}
	}
	pclose(p);
	if (out)
		out[len] = '\0';
	return out;
}

/* zbarimg --raw gives the bytes and a newline after each symbol; -Sbinary would drop the newline, and the separator. */
static char *decode(const char *png)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "zbarimg -Sdisable -Sqrcode.enable --raw -q '%s'", png); /* QR only: no spurious linear codes */
	char *out = run(cmd);
	size_t n = out ? strlen(out) : 0;
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return out;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n = -1;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
		s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) == (size_t)n) {
		s[n] = '\0';
	} else {
		free(s);
		s = NULL;
	}
	if (f)
		fclose(f);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_png(const char *payload)
{
	char path[512];
	struct label_geom g;
	label_geom_default(&g);
	struct label_item it = {payload, "正压氧气呼吸器", "KS-2026-00017"};
	char err[512] = "";
	FILE *f = fopen(path_in(path, sizeof path, "one.png"), "wb");
	int rc = f ? label_png(&it, &g, f, err, sizeof err) : -1;
	if (f)
		fclose(f);
	ok(rc == 0, "label_png writes a PNG%s%s", *err ? ": " : "", err);

	unsigned char head[26] = {0};
	f = fopen(path, "rb");
	size_t got = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	ok(got == sizeof head && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && head[24] == 1 && head[25] == 0,
		"it is a 1-bit greyscale PNG");

	if (tools("zbarimg", NULL, 1, "PNG decodes")) {
		char *dec = decode(path);
		if (!ok(dec && strcmp(dec, payload) == 0, "the PNG decodes to the %zu-byte payload exactly",
			strlen(payload)))
			printf("#   got '%s'\n", dec ? dec : "(nothing)");
		free(dec);
	}
}

static void test_svg(const char *payload)
{
	char path[512], png[512], cmd[1200], err[512] = "";
	struct label_item it = {payload, "正压氧气呼吸器 <&\"'>", "KS-2026-00017"};
	FILE *f = fopen(path_in(path, sizeof path, "one.svg"), "wb");
	int rc = f ? label_svg(&it, NULL, f, err, sizeof err) : -1;
	if (f)
		fclose(f);
	ok(rc == 0, "label_svg writes an SVG%s%s", *err ? ": " : "", err);
	char *svg = slurp(path);
	ok(svg && strstr(svg, "正压氧气呼吸器 &lt;&amp;&quot;&apos;&gt;</text>") && strstr(svg, ">KS-2026-00017</text>"),
		"the caption is XML-escaped");
	ok(svg && strstr(svg, "Noto Sans CJK SC") && strstr(svg, "shape-rendering=\"crispEdges\""),
		"the SVG names Noto Sans CJK SC and crisp edges");
	free(svg);

	it.name = "便携式可燃气体检测仪（防爆型）带声光报警及数据记录功能的非常非常长的名称";
	f = fopen(path_in(path, sizeof path, "long.svg"), "wb");
	rc = f ? label_svg(&it, NULL, f, err, sizeof err) : -1;
	if (f)
		fclose(f);
	svg = rc == 0 ? slurp(path) : NULL;
	ok(svg && strstr(svg, "textLength=") && strstr(svg, "\xe2\x80\xa6</text>"),
		"a name far too long is squeezed and cut with an ellipsis");
	free(svg);

	it.name = "bad \xff utf-8";
	f = fopen(path_in(path, sizeof path, "bad.svg"), "wb");
	rc = f ? label_svg(&it, NULL, f, err, sizeof err) : 0;
	if (f)
		fclose(f);
	ok(rc == -1 && strstr(err, "UTF-8") && strstr(err, "KS-2026-00017"), "a name that is not UTF-8 is refused: %s",
		err);

	if (tools("rsvg-convert", "zbarimg", 1, "SVG decodes")) {
		snprintf(cmd, sizeof cmd, "rsvg-convert -o '%s' '%s/one.svg'", path_in(png, sizeof png, "svg.png"), dir);
		free(run(cmd));
		char *dec = decode(png);
		if (!ok(dec && strcmp(dec, payload) == 0, "the SVG, rendered by rsvg-convert, decodes to the payload"))
			printf("#   got '%s'\n", dec ? dec : "(nothing)");
		free(dec);
	}
}

/* Decodes one page and compares, as sets, with the payloads that belong on it. */
static void check_page(int page, char (*payloads)[PAYLOAD_MAX], int from, int count)
{
	char png[512], name[64];
	snprintf(name, sizeof name, "sheet-%d.png", page);
	if (access(path_in(png, sizeof png, name), R_OK) != 0) {
		snprintf(name, sizeof name, "sheet-%02d.png", page);
		path_in(png, sizeof png, name);
	}
	char *out = decode(png);
	char *got[NPAGE + 8];
	int n = 0;
	for (char *save = NULL, *line = out ? strtok_r(out, "\n", &save) : NULL; line && n < NPAGE + 8;
	     line = strtok_r(NULL, "\n", &save))
		got[n++] = line;
	const char *want[NPAGE];
	for (int i = 0; i < count; i++)
		want[i] = payloads[from + i];
	qsort(got, (size_t)n, sizeof got[0], cmp_str);
	qsort(want, (size_t)count, sizeof want[0], cmp_str);
	int same = n == count;
	for (int i = 0; same && i < n; i++)
		same = strcmp(got[i], want[i]) == 0;
	if (!ok(same, "PDF page %d decodes to exactly its %d payloads", page, count))
		printf("#   decoded %d codes\n", n);
	free(out);
}

static const char *const NAMES[] = {
	"正压氧气呼吸器", "", "便携式可燃气体检测仪（防爆型）带声光报警及数据记录功能的超长名称", "Fire extinguisher ABC 4 kg",
};

static void test_sheet(char (*payloads)[PAYLOAD_MAX], struct label_item *items)
{
	char path[512], cmd[1200], err[512] = "";
	for (int i = 0; i < NSHEET; i++)
		items[i] = (struct label_item){payloads[i], NAMES[i % 4], "KS-2026-00017"};
	int rc = label_pdf(items, NSHEET, NULL, path_in(path, sizeof path, "sheet.pdf"), err, sizeof err);
	ok(rc == 0, "label_pdf writes %d labels%s%s", NSHEET, *err ? ": " : "", err);
	if (!tools("pdftoppm", "zbarimg", 4, "PDF pages decode"))
		return;
	snprintf(cmd, sizeof cmd, "pdftoppm -r 150 -png '%s' '%s/sheet'", path, dir);
	free(run(cmd));
	char p4[512];
	ok(access(path_in(p4, sizeof p4, "sheet-4.png"), F_OK) != 0 && access(path_in(p4, sizeof p4, "sheet-3.png"), F_OK) == 0,
		"the PDF has 3 pages");
	check_page(1, payloads, 0, NPAGE);
	check_page(2, payloads, NPAGE, NPAGE);
	check_page(3, payloads, 2 * NPAGE, NSHEET - 2 * NPAGE);
}

static void test_geometry(void)
{
	struct label_geom g;
	char err[512] = "";
	label_geom_default(&g);
	ok(label_geom_check(&g, err, sizeof err) == 0, "the default A4 8 x 3 layout is accepted%s%s", *err ? ": " : "", err);

	g.cols = 4;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "cols 4") && strstr(err, "page_w 210"),
		"4 columns of 64 mm do not fit A4: %s", err);
	label_geom_default(&g);
	g.rows = 9;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "rows 9"), "9 rows of 34 mm do not fit: %s", err);
	label_geom_default(&g);
	g.rows = 0;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "rows 0"), "0 rows are refused: %s", err);
	label_geom_default(&g);
	g.module = 1.0;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "module 1"), "1 mm modules do not fit: %s", err);
	label_geom_default(&g);
	g.label_w = -5;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "label_w -5"), "a negative width is refused: %s",
		err);
	label_geom_default(&g);
	g.px = 0;
	ok(label_geom_check(&g, err, sizeof err) == -1 && strstr(err, "px 0"), "px 0 is refused: %s", err);
}

static void test_errors(const char *payload)
{
	char err[512] = "", path[512];
	static char huge[3001];
	memset(huge, 'a', sizeof huge - 1);
	struct label_item it = {huge, "", "KS-1"};
	FILE *f = fopen("/dev/null", "wb");
	ok(f && label_png(&it, NULL, f, err, sizeof err) == -1 && strstr(err, "too long") && strstr(err, "3000"),
		"a 3,000-byte payload is refused: %s", err);
	it.payload = "";
	ok(f && label_png(&it, NULL, f, err, sizeof err) == -1, "an empty payload is refused: %s", err);
	if (f)
		fclose(f);

	it.payload = payload;
	f = fopen("/dev/full", "wb");
	if (f) {
		ok(label_png(&it, NULL, f, err, sizeof err) == -1, "a full disk is reported: %s", err);
		fclose(f);
	} else {
		skip("no /dev/full");
	}

	struct label_item items[6];
	for (int i = 0; i < 6; i++)
		items[i] = (struct label_item){i == 4 ? huge : payload, "名称", "KS-2026-00005"};
	path_in(path, sizeof path, "bad.pdf");
	ok(label_pdf(items, 6, NULL, path, err, sizeof err) == -1 && strstr(err, path) && strstr(err, "label 5") &&
		   access(path, F_OK) != 0,
		"a PDF with an unencodable label fails naming it, and leaves no file: %s", err);
	path_in(path, sizeof path, "no/such/dir.pdf");
	ok(label_pdf(items, 1, NULL, path, err, sizeof err) == -1 && strstr(err, path), "an unwritable path is named: %s",
		err);
}

static void test_big(char (*payloads)[PAYLOAD_MAX], struct label_item *items)
{
	char path[512], err[512] = "";
	for (int i = 0; i < NBIG; i++) {
		make_payload(payloads[i], 1000u + (unsigned)i);
		items[i] = (struct label_item){payloads[i], NAMES[i % 4], "KS-2026-00017"};
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = label_pdf(items, NBIG, NULL, path_in(path, sizeof path, "big.pdf"), err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct stat st;
	ok(rc == 0 && stat(path, &st) == 0 && st.st_size > 0, "label_pdf writes %d labels%s%s", NBIG,
		*err ? ": " : "", err);
	printf("# %d labels (%d pages) in %.2f s, %.1f MB\n", NBIG, (NBIG + NPAGE - 1) / NPAGE,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		rc == 0 ? (double)st.st_size / 1e6 : 0.0);
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strchr(tmp, '\'') || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(dir, sizeof dir, "%s/test_label.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	static char payloads[NBIG][PAYLOAD_MAX];
	static struct label_item items[NBIG];
	for (int i = 0; i < NSHEET; i++)
		make_payload(payloads[i], (unsigned)i);

	test_png(payloads[0]);
	test_svg(payloads[0]);
	test_sheet(payloads, items);
	test_geometry();
	test_errors(payloads[0]);
	test_big(payloads, items);

	if (tap_failed)
		printf("# files kept in %s\n", dir);
	else
		remove_dir();
	return done_testing();
}
