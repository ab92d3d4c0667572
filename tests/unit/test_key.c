/* test_key.c - sealed key files, public key files, key ids and roles. */
#include "tap.h"

#include <muster/key.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/muster-test-key.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int flip_byte(const char *p, long off)
{
	int fd = open(p, O_RDWR);
	unsigned char c;
	if (fd < 0 || pread(fd, &c, 1, off) != 1)
		return -1;
	c ^= 0x01;
	int rc = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
	close(fd);
	return rc;
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	muster_signer *s, *t;
	ok(muster_signer_generate(&s) == 0, "generates a key pair");
	ok(muster_key_seal(s, path("a.key"), "口令 pass", strlen("口令 pass"), MUSTER_KDF_MIN) == 0, "seals it");
	struct stat st;
	ok(stat(path("a.key"), &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 144, "sealed file is 144 bytes, mode 0600");
	ok(muster_key_unseal(path("a.key"), "口令 pass", strlen("口令 pass"), &t) == 0 &&
			memcmp(muster_signer_pk(t), muster_signer_pk(s), 32) == 0 && memcmp(muster_signer_sk(t), muster_signer_sk(s), 64) == 0,
		"unseals to the same key");
	muster_signer_free(t);
	ok(muster_key_unseal(path("a.key"), "wrong", 5, &t) == MUSTER_EPASS, "a wrong passphrase is MUSTER_EPASS");
	ok(muster_key_seal(s, path("a.key"), "x", 1, MUSTER_KDF_MIN) == MUSTER_EEXIST, "never overwrites a key file");

	uint8_t pk[32];
	ok(muster_pub_read(path("a.key.pub"), pk) == 0 && memcmp(pk, muster_signer_pk(s), 32) == 0, "the .pub file holds the public key");
	ok(muster_pub_read(path("a.key"), pk) == MUSTER_EINVAL, "a sealed file is not a public key");
	ok(muster_key_unseal(path("a.key.pub"), "x", 1, &t) == MUSTER_EINVAL, "a public key is not a sealed file");
	ok(muster_key_unseal(path("missing.key"), "x", 1, &t) == MUSTER_EIO, "a missing file is an I/O error");

	/* Every header byte is authenticated: salt, nonce, pk, KDF parameters. */
	int all = 1;
	static const long offs[] = {24, 39, 40, 63, 64, 95, 96, 127, 143};
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "cp %s %s", path("a.key"), path("b.key"));
		unlink(path("b.key"));
		if (system(cmd) != 0 || flip_byte(path("b.key"), offs[i]) != 0)
			return 1;
		int rc = muster_key_unseal(path("b.key"), "口令 pass", strlen("口令 pass"), &t);
		if (rc != MUSTER_EPASS) {
			printf("# offset %ld gave %d\n", offs[i], rc);
			all = 0;
		}
	}
	ok(all, "a flipped bit anywhere in salt, nonce, public key or ciphertext is refused");
	unlink(path("b.key"));
	if (system("true") == 0) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "head -c 100 %s > %s", path("a.key"), path("c.key"));
		if (system(cmd) != 0)
			return 1;
	}
	ok(muster_key_unseal(path("c.key"), "x", 1, &t) == MUSTER_EINVAL, "a truncated key file is refused");
	/* A hostile KDF cost is refused before any work: opslimit 0xffffffff. */
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "cp %s %s", path("a.key"), path("d.key"));
		if (system(cmd) != 0)
			return 1;
		int fd = open(path("d.key"), O_RDWR);
		unsigned char ff[4] = {0xff, 0xff, 0xff, 0xff};
		if (fd < 0 || pwrite(fd, ff, 4, 12) != 4)
			return 1;
		close(fd);
		ok(muster_key_unseal(path("d.key"), "口令 pass", strlen("口令 pass"), &t) == MUSTER_EINVAL, "an absurd KDF cost is refused");
	}

	/*
	 * A .pub file has one spelling per key (found by tests/fuzz/fuzz_keyfile.c):
	 * libsodium 1.0.18 decodes any byte >= 0x80 as '/' and stops at a NUL.
	 */
	{
		static const char good[] = "muster-ed25519 F0VTtFbd38aQjsqxwQH+arIeK6oGF3lb/UOmNIKZP9U=";
		static const char high[] = "muster-ed25519 F0VTtFbd38aQjsqxwQH+arIeK6oGF3lb\xbbUOmNIKZP9U=";
		static const char nul[] = "muster-ed25519 F0VTtFbd38aQjsqxwQH+arIeK6oGF3lb/UOmNIKZP9U=\0junk\n";
		const struct {
			const char *name, *text;
			size_t n;
			int want;
		} cases[] = {
			{"good.pub", good, sizeof good - 1, 0},
			{"high.pub", high, sizeof high - 1, MUSTER_EINVAL},
			{"nul.pub", nul, sizeof nul - 1, MUSTER_EINVAL},
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			FILE *f = fopen(path(cases[i].name), "wb");
			if (!f || fwrite(cases[i].text, 1, cases[i].n, f) != cases[i].n || fclose(f) != 0)
				return 1;
			uint8_t pk2[32];
			is_int(muster_pub_read(path(cases[i].name), pk2), cases[i].want, "%s: %s", cases[i].name,
				cases[i].want ? "a second spelling of a public key is refused" : "the key's own spelling reads");
		}
	}

	/* Site keys. */
	ok(muster_site_key_write(path("log.key"), s) == 0 && stat(path("log.key"), &st) == 0 && (st.st_mode & 0777) == 0600,
		"site key file written 0600");
	ok(muster_site_key_read(path("log.key"), &t) == 0 && memcmp(muster_signer_pk(t), muster_signer_pk(s), 32) == 0, "site key reads back");
	muster_signer_free(t);

	/* Key ids and roles. */
	char hex[MUSTER_KEYID_HEX];
	uint8_t id[8], id2[8];
	muster_key_id_hex(muster_signer_pk(s), hex);
	muster_key_id(muster_signer_pk(s), id);
	ok(strlen(hex) == 16 && muster_key_id_parse(hex, id2) == 0 && memcmp(id, id2, 8) == 0, "key id: 16 hex digits, parses back");
	ok(muster_key_id_parse("0123", id2) != 0 && muster_key_id_parse("zz23456789abcdef", id2) != 0, "bad key ids are refused");
	uint32_t m = 0;
	ok(muster_roles_parse("admin,keeper", &m) == 0 && m == (MUSTER_ROLE_ADMIN | MUSTER_ROLE_KEEPER), "roles parse");
	ok(muster_roles_parse("hr", &m) == 0 && (m & MUSTER_ROLE_HR), "roles accumulate");
	uint32_t m2 = 0;
	ok(muster_roles_parse("boss", &m2) != 0 && muster_roles_parse("admin,", &m2) != 0 && muster_roles_parse("", &m2) != 0,
		"unknown or empty roles are refused");
	char rs[128];
	ok(muster_roles_format(MUSTER_ROLE_ALL, rs, sizeof rs) == 0 &&
			strcmp(rs, "admin,keeper,hr,finance,approver,auditor,reporter") == 0,
		"roles format");
	ok(muster_roles_format(MUSTER_ROLE_ALL, rs, 10) == MUSTER_ETOOBIG, "roles format reports truncation");
	muster_signer_free(s);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
