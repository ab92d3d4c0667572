/* error.c - names of MUSTER_E* codes, and library initialisation. */
#include "internal.h"

static const struct {
	int code;
	const char *en;
	const char *zh;
} names[] = {
	{MUSTER_OK, "success", "成功"},
	{MUSTER_EINVAL, "invalid argument or malformed input", "参数无效或输入格式错误"},
	{MUSTER_ECORRUPT, "not a canonical encoding", "不是规范编码"},
	{MUSTER_ENOTFOUND, "not found", "未找到"},
	{MUSTER_EEXIST, "already exists", "已存在"},
	{MUSTER_EPERM, "permission denied", "权限不足"},
	{MUSTER_EPASS, "wrong passphrase or damaged key file", "口令错误或密钥文件已损坏"},
	{MUSTER_EVERIFY, "verification failed", "验证失败"},
	{MUSTER_ESTATE, "not allowed in the current state", "当前状态下不允许此操作"},
	{MUSTER_ETOOBIG, "too large", "超出大小限制"},
	{MUSTER_EIO, "input/output error", "读写错误"},
	{MUSTER_ESTORE, "store error", "存储错误"},
	{MUSTER_ENOMEM, "out of memory", "内存不足"},
	{MUSTER_EMAPFULL, "store map is full", "存储映射已满"},
	{MUSTER_ECRYPTO, "cryptography library failed to start", "密码库初始化失败"},
};

static size_t find(int code)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == code)
			return i;
	return SIZE_MAX;
}

const char *muster_strerror(int code)
{
	size_t i = find(code);
	return i == SIZE_MAX ? "unknown error" : names[i].en;
}

const char *muster_strerror_zh(int code)
{
	size_t i = find(code);
	return i == SIZE_MAX ? "未知错误" : names[i].zh;
}

int muster_init(void)
{
	return sodium_init() < 0 ? MUSTER_ECRYPTO : 0;
}
