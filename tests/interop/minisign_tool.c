/*
 * minisign_tool.c - a test helper (not installed) that lets
 * tests/interop/minisign.sh put libmuster's minisign signatures in front of
 * the stock minisign, and minisign's in front of libmuster:
 *
 *	minisign_tool pubkey SEEDHEX                          > key.pub
 *	minisign_tool sign SEEDHEX FILE "trusted" [untrusted] > FILE.minisig
 *	minisign_tool verify PUBKEYFILE FILE SIGFILE
 *
 * SEEDHEX is a 32-byte Ed25519 seed in 64 hex digits.  verify reads any
 * minisign public key file; for a Muster key (its key id is Muster's) it
 * calls muster_minisign_verify, for another (minisign -G) muster_minisign_
 * verify_id.  It prints "Signature and comment signature verified" and
 * "Trusted comment: ..." as minisign does and exits 0, or names the error
 * on stderr and exits 1; bad usage exits 2.
 */
#include <muster/minisign.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: minisign_tool pubkey SEEDHEX\n"
			"       minisign_tool sign SEEDHEX FILE TRUSTED [UNTRUSTED]\n"
			"       minisign_tool verify PUBKEYFILE FILE SIGFILE\n");
	return 2;
}

static int signer(const char *hex, muster_signer **s)
{
	uint8_t seed[32];
	size_t got;
	const char *end;
	if (strlen(hex) != 64 || sodium_hex2bin(seed, sizeof seed, hex, 64, NULL, &got, &end) != 0 ||
		got != sizeof seed) {
		fprintf(stderr, "minisign_tool: the seed must be 64 hex digits\n");
		return -1;
	}
	int rc = muster_signer_from_seed(seed, s);
	sodium_memzero(seed, sizeof seed);
	if (rc != 0)
		fprintf(stderr, "minisign_tool: %s\n", muster_strerror(rc));
	return rc;
}

/* The whole file in memory (malloc, caller frees); NULL with a message on error. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t len = 0, cap = 0;
	if (!f) {
		perror(path);
		return NULL;
	}
	for (;;) {
		if (cap - len < 65536) {
			char *q = realloc(p, cap = cap ? 2 * cap : 65536);
			if (!q) {
				free(p);
				fclose(f);
				fprintf(stderr, "minisign_tool: out of memory\n");
				return NULL;
			}
			p = q;
		}
		size_t r = fread(p + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		free(p);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*n = len;
	return p;
}

static int put(const muster_buf *b)
{
	if (b->err) {
		fprintf(stderr, "minisign_tool: %s\n", muster_strerror(b->err));
		return 1;
	}
	return fwrite(b->data, 1, b->len, stdout) == b->len && fflush(stdout) == 0 ? 0 : 1;
}

static int verify(const char *pubfile, const char *file, const char *sigfile)
{
	size_t pn, dn, sn;
	char *pub = slurp(pubfile, &pn), *data = slurp(file, &dn), *sig = slurp(sigfile, &sn);
	int rc = 1;
	if (pub && data && sig) {
		uint8_t pk[MUSTER_PK_BYTES], id[MUSTER_MINISIGN_KEYID_BYTES], mine[MUSTER_MINISIGN_KEYID_BYTES];
		static char trusted[MUSTER_MINISIGN_TRUSTED_MAX + 1];
		rc = muster_minisign_pubkey_parse(pub, pn, pk, id);
		if (rc == 0) {
			muster_minisign_key_id(pk, mine);
			rc = memcmp(id, mine, sizeof id) == 0
				? muster_minisign_verify(sig, sn, data, dn, pk, trusted, sizeof trusted)
				: muster_minisign_verify_id(sig, sn, data, dn, pk, id, trusted, sizeof trusted);
		}
		if (rc == 0)
			printf("Signature and comment signature verified\nTrusted comment: %s\n", trusted);
		else
			fprintf(stderr, "minisign_tool: %s\n", muster_strerror(rc));
		rc = rc == 0 ? 0 : 1;
	}
	free(pub);
	free(data);
	free(sig);
	return rc;
}

int main(int argc, char **argv)
{
	if (muster_init() != 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "pubkey") == 0) {
		muster_signer *s;
		if (signer(argv[2], &s) != 0)
			return 1;
		muster_buf b = {0};
		muster_minisign_pubkey(&b, muster_signer_pk(s));
		muster_signer_free(s);
		int rc = put(&b);
		muster_buf_free(&b);
		return rc;
	}
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "sign") == 0) {
		muster_signer *s;
		if (signer(argv[2], &s) != 0)
			return 1;
		muster_buf b = {0};
		int rc = muster_minisign_sign_file(&b, s, argv[3], argv[4], argc == 6 ? argv[5] : NULL);
		muster_signer_free(s);
		if (rc != 0) {
			fprintf(stderr, "minisign_tool: %s: %s\n", argv[3], muster_strerror(rc));
			muster_buf_free(&b);
			return 1;
		}
		rc = put(&b);
		muster_buf_free(&b);
		return rc;
	}
	if (argc == 5 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2], argv[3], argv[4]);
	return usage();
}
