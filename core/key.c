/*
 * key.c - key pairs in guarded memory, sealed key files, public key files,
 * site key files, roles and key ids.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct muster_signer {
	uint8_t *sk; /* sodium_malloc: seed || pk, libsodium's secret key layout */
	uint8_t pk[MUSTER_PK_BYTES];
};

static const char *const role_names[] = {"admin", "keeper", "hr", "finance", "approver", "auditor", "reporter"};

int muster_roles_parse(const char *s, uint32_t *mask)
{
	uint32_t m = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		size_t i;
		for (i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
			if (strlen(role_names[i]) == n && memcmp(role_names[i], s, n) == 0)
				break;
		if (i == sizeof role_names / sizeof role_names[0])
			return MUSTER_EINVAL;
		m |= 1u << i;
		s += n;
		if (*s == ',' && *++s == 0)
			return MUSTER_EINVAL;
	}
	if (m == 0)
		return MUSTER_EINVAL;
	*mask |= m;
	return 0;
}

int muster_roles_format(uint32_t mask, char *out, size_t cap)
{
	size_t len = 0;
	if (cap == 0)
		return MUSTER_ETOOBIG;
	out[0] = 0;
	for (size_t i = 0; i < sizeof role_names / sizeof role_names[0]; i++) {
		if (!(mask & (1u << i)))
			continue;
		int n = snprintf(out + len, cap - len, "%s%s", len ? "," : "", role_names[i]);
		if (n < 0 || (size_t)n >= cap - len)
			return MUSTER_ETOOBIG;
		len += (size_t)n;
	}
	return 0;
}

void muster_key_id(const uint8_t pk[MUSTER_PK_BYTES], uint8_t id[MUSTER_KEYID_BYTES])
{
	static const char dom[] = "muster/key/v1";
	crypto_hash_sha256_state st;
	uint8_t h[32];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)dom, sizeof dom); /* with its NUL: the 0x00 separator */
	crypto_hash_sha256_update(&st, pk, MUSTER_PK_BYTES);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, MUSTER_KEYID_BYTES);
}

void muster_key_id_hex(const uint8_t pk[MUSTER_PK_BYTES], char hex[MUSTER_KEYID_HEX])
{
	uint8_t id[MUSTER_KEYID_BYTES];
	muster_key_id(pk, id);
	sodium_bin2hex(hex, MUSTER_KEYID_HEX, id, sizeof id);
}

int muster_key_id_parse(const char *hex, uint8_t id[MUSTER_KEYID_BYTES])
{
	size_t got;
	const char *end;
	if (strlen(hex) != 2 * MUSTER_KEYID_BYTES ||
		sodium_hex2bin(id, MUSTER_KEYID_BYTES, hex, strlen(hex), NULL, &got, &end) != 0 ||
		got != MUSTER_KEYID_BYTES || *end != 0)
		return MUSTER_EINVAL;
	return 0;
}

int muster_signer_from_seed(const uint8_t seed[32], muster_signer **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	muster_signer *s = calloc(1, sizeof *s);
	if (!s)
		return MUSTER_ENOMEM;
	s->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!s->sk) {
		free(s);
		return MUSTER_ENOMEM;
	}
	crypto_sign_seed_keypair(s->pk, s->sk, seed);
	*out = s;
	return 0;
}

int muster_signer_generate(muster_signer **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	uint8_t *seed = sodium_malloc(32);
	if (!seed)
		return MUSTER_ENOMEM;
	randombytes_buf(seed, 32);
	int rc = muster_signer_from_seed(seed, out);
	sodium_free(seed);
	return rc;
}

void muster_signer_free(muster_signer *s)
{
	if (!s)
		return;
	sodium_free(s->sk); /* wipes */
	free(s);
}

const uint8_t *muster_signer_pk(const muster_signer *s)
{
	return s->pk;
}

const uint8_t *muster_signer_sk(const muster_signer *s)
{
	return s->sk;
}

void muster_signer_sign(const muster_signer *s, const void *msg, size_t len, uint8_t sig[MUSTER_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, s->sk);
}

/*
 * Sealed key file (docs/FORMATS.md), 144 bytes:
 *   "MUSTERSK" | version 1 | kdf 1 (Argon2id v1.3) | 0 0 | opslimit u32 BE |
 *   memlimit u64 BE | salt[16] | nonce[24] | pk[32]     -- header, 96 bytes, AD
 *   XChaCha20-Poly1305(seed[32]) | tag[16]
 */
#define SK_MAGIC "MUSTERSK"
#define SK_HDR 96
#define SK_FILE (SK_HDR + 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* Writes all of p to a new file (O_EXCL, 0600), fsync'd; removes it on failure. */
static int write_new(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? MUSTER_EEXIST : MUSTER_EIO;
	const uint8_t *q = p;
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, q + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int ok = done == n && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = 0;
	if (!ok) {
		unlink(path);
		return MUSTER_EIO;
	}
	return 0;
}

/* Reads a small file (at most cap bytes) into p; *n receives its size. */
static int read_small(const char *path, void *p, size_t cap, size_t *n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? MUSTER_ENOTFOUND : MUSTER_EIO;
	size_t done = 0;
	for (;;) {
		if (done == cap) { /* one more byte means the file is too big */
			char extra;
			ssize_t r = read(fd, &extra, 1);
			close(fd);
			return r == 0 ? (*n = done, 0) : MUSTER_EINVAL;
		}
		ssize_t r = read(fd, (uint8_t *)p + done, cap - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return MUSTER_EIO;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	*n = done;
	return 0;
}

static void kdf_limits(muster_kdf kdf, uint32_t *ops, uint64_t *mem)
{
	switch (kdf) {
	case MUSTER_KDF_MODERATE:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE, *mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case MUSTER_KDF_MIN:
		*ops = crypto_pwhash_OPSLIMIT_MIN, *mem = crypto_pwhash_MEMLIMIT_MIN;
		break;
	default:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE, *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
}

int muster_key_seal(const muster_signer *s, const char *path, const char *pass, size_t pass_len, muster_kdf kdf)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	uint8_t file[SK_FILE];
	uint32_t ops;
	uint64_t mem;
	kdf_limits(kdf, &ops, &mem);
	memcpy(file, SK_MAGIC, 8);
	file[8] = 1, file[9] = 1, file[10] = 0, file[11] = 0;
	be32_put(file + 12, ops);
	be64_put(file + 16, mem);
	randombytes_buf(file + 24, 16);
	randombytes_buf(file + 40, 24);
	memcpy(file + 64, s->pk, MUSTER_PK_BYTES);

	uint8_t *k = sodium_malloc(32);
	if (!k)
		return MUSTER_ENOMEM;
	if (crypto_pwhash(k, 32, pass, pass_len, file + 24, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_free(k);
		return MUSTER_ENOMEM;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + SK_HDR, NULL, s->sk, 32, file, SK_HDR, NULL, file + 40, k);
	sodium_free(k);

	size_t plen = strlen(path);
	char *pub = malloc(plen + 5);
	if (!pub)
		return MUSTER_ENOMEM;
	memcpy(pub, path, plen);
	memcpy(pub + plen, ".pub", 5);
	if (access(pub, F_OK) == 0) {
		free(pub);
		return MUSTER_EEXIST;
	}
	int rc = write_new(path, file, sizeof file);
	if (rc == 0) {
		rc = muster_pub_write(pub, s->pk);
		if (rc != 0)
			unlink(path);
	}
	free(pub);
	return rc;
}

int muster_key_unseal(const char *path, const char *pass, size_t pass_len, muster_signer **out)
{
	uint8_t file[SK_FILE];
	size_t n;
	int rc = read_small(path, file, sizeof file, &n);
	if (rc == MUSTER_ENOTFOUND)
		return MUSTER_EIO;
	if (rc)
		return rc;
	return muster_key_unseal_mem(file, n, pass, pass_len, out);
}

int muster_key_unseal_mem(const uint8_t *file, size_t n, const char *pass, size_t pass_len, muster_signer **out)
{
	if (muster_init() != 0)
		return MUSTER_ECRYPTO;
	if (n != SK_FILE || memcmp(file, SK_MAGIC, 8) != 0 || file[8] != 1 || file[9] != 1 || file[10] || file[11])
		return MUSTER_EINVAL;
	uint32_t ops = be32_get(file + 12);
	uint64_t mem = be64_get(file + 16);
	/* Bounds keep a hostile file from asking for terabytes or years. */
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
		mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return MUSTER_EINVAL;
	uint8_t *k = sodium_malloc(32), *seed = sodium_malloc(32);
	if (!k || !seed) {
		sodium_free(k);
		sodium_free(seed);
		return MUSTER_ENOMEM;
	}
	int rc = MUSTER_EPASS;
	if (crypto_pwhash(k, 32, pass, pass_len, file + 24, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		rc = MUSTER_ENOMEM;
	else if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed, NULL, NULL, file + SK_HDR, SK_FILE - SK_HDR, file,
			 SK_HDR, file + 40, k) == 0) {
		muster_signer *s;
		rc = muster_signer_from_seed(seed, &s);
		if (rc == 0 && sodium_memcmp(s->pk, file + 64, MUSTER_PK_BYTES) != 0) {
			muster_signer_free(s);
			rc = MUSTER_EPASS;
		} else if (rc == 0) {
			*out = s;
		}
	}
	sodium_free(k);
	sodium_free(seed);
	return rc;
}

#define PUB_PREFIX "muster-ed25519 "

int muster_pub_write(const char *path, const uint8_t pk[MUSTER_PK_BYTES])
{
	char line[sizeof PUB_PREFIX + sodium_base64_ENCODED_LEN(MUSTER_PK_BYTES, sodium_base64_VARIANT_ORIGINAL) + 1];
	memcpy(line, PUB_PREFIX, sizeof PUB_PREFIX - 1);
	sodium_bin2base64(line + sizeof PUB_PREFIX - 1, sizeof line - (sizeof PUB_PREFIX - 1), pk, MUSTER_PK_BYTES,
		sodium_base64_VARIANT_ORIGINAL);
	size_t n = strlen(line);
	line[n++] = '\n';
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? MUSTER_EEXIST : MUSTER_EIO;
	int ok = write(fd, line, n) == (ssize_t)n && fsync(fd) == 0;
	if (close(fd) != 0 || !ok) {
		unlink(path);
		return MUSTER_EIO;
	}
	return 0;
}

#define PUB_MAX 127 /* the longest public key file read */

int muster_pub_read(const char *path, uint8_t pk[MUSTER_PK_BYTES])
{
	char line[PUB_MAX];
	size_t n;
	int rc = read_small(path, line, sizeof line, &n);
	if (rc)
		return rc == MUSTER_ENOTFOUND ? MUSTER_EIO : rc;
	return muster_pub_parse(line, n, pk);
}

int muster_pub_parse(const char *text, size_t n, uint8_t pk[MUSTER_PK_BYTES])
{
	char line[PUB_MAX + 1];
	if (n > PUB_MAX)
		return MUSTER_EINVAL;
	memcpy(line, text, n);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	line[n] = 0;
	size_t got;
	uint8_t tmp[MUSTER_PK_BYTES + 1];
	if (strncmp(line, PUB_PREFIX, sizeof PUB_PREFIX - 1) != 0 ||
		muster_b64_decode(line + sizeof PUB_PREFIX - 1, n - (sizeof PUB_PREFIX - 1), tmp, sizeof tmp, &got,
			sodium_base64_VARIANT_ORIGINAL) != 0 ||
		got != MUSTER_PK_BYTES)
		return MUSTER_EINVAL;
	memcpy(pk, tmp, MUSTER_PK_BYTES);
	return 0;
}

/* Site key file: "MUSTERSITEKEY1\n\0" (16 bytes) | seed[32]. */
#define SITE_MAGIC "MUSTERSITEKEY1\n"

int muster_site_key_write(const char *path, const muster_signer *s)
{
	uint8_t *file = sodium_malloc(48);
	if (!file)
		return MUSTER_ENOMEM;
	memcpy(file, SITE_MAGIC, 16);
	memcpy(file + 16, s->sk, 32);
	int rc = write_new(path, file, 48);
	sodium_free(file);
	return rc;
}

int muster_site_key_read(const char *path, muster_signer **out)
{
	uint8_t *file = sodium_malloc(48);
	if (!file)
		return MUSTER_ENOMEM;
	size_t n;
	int rc = read_small(path, file, 48, &n);
	if (rc == 0)
		rc = muster_site_key_parse(file, n, out);
	sodium_free(file);
	return rc;
}

int muster_site_key_parse(const uint8_t *file, size_t n, muster_signer **out)
{
	if (n != 48 || memcmp(file, SITE_MAGIC, 16) != 0)
		return MUSTER_EINVAL;
	return muster_signer_from_seed(file + 16, out);
}
