/*
 * auth.c: passwords, tokens and session secrets with libsodium (see auth.h).
 */
#include "auth.h"
#include "util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int
auth_password_hash(const char *password, char out[AUTH_HASH_MAX])
{
	_Static_assert(crypto_pwhash_STRBYTES <= AUTH_HASH_MAX, "AUTH_HASH_MAX too small");
	return crypto_pwhash_str(out, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0 ? 0 : -1;
}

bool
auth_password_verify(const char *password, const char *hash)
{
	if (password == NULL || hash == NULL)
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void
auth_secret_new(const char *prefix, char *out, size_t n, char hash[65])
{
	unsigned char raw[32];
	char enc[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(enc, sizeof(enc), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	snprintf(out, n, "%s%s", prefix, enc);
	sodium_memzero(enc, sizeof(enc));
	auth_secret_hash(out, hash);
}

void
auth_secret_hash(const char *secret, char hash[65])
{
	util_sha256_hex(secret, strlen(secret), hash);
}

bool
auth_equal(const char *a, const char *b)
{
	size_t n;

	if (a == NULL || b == NULL)
		return false;
	n = strlen(a);
	return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

char *
auth_read_password(const char *prompt)
{
	struct termios old, quiet;
	char line[1024];
	bool tty = isatty(STDIN_FILENO) == 1;
	size_t n;

	if (tty) {
		fputs(prompt, stderr);
		fflush(stderr);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n == 0)
		return NULL;
	{
		char *p = xstrdup(line);
		sodium_memzero(line, sizeof(line));
		return p;
	}
}
