/*
 * fuzz.h - what both fuzz targets share.  Include it after defining
 *   static void one_input(const uint8_t *data, size_t size);  (checks the properties)
 *   static void fuzz_init(void);                              (before the first input)
 * Built normally it is the libFuzzer entry; with -DMUSTER_FUZZ_SEEDS it gives
 * the seed writer save(), which also runs every seed through one_input.
 */
#ifndef MUSTER_FUZZ_H
#define MUSTER_FUZZ_H

#include <muster/codec.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef MUSTER_FUZZ_SEEDS

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_input(data, size);
	return 0;
}

#else /* MUSTER_FUZZ_SEEDS */

static const char *outdir;

/* Writes one seed to outdir/name; every seed must hold the properties. */
static void save(const char *name, const muster_buf *b)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", outdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	one_input(b->data, b->len);
}

#endif
#endif
