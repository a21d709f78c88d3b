/*
 * auth.h: secrets, with libsodium: argon2id password hashes, bearer
 * tokens, session ids and CSRF tokens.  Only hashes are ever stored:
 * tokens and session ids are 256-bit random values, so SHA-256 of the
 * secret is enough to look them up without keeping the secret.
 */
#ifndef CRIER_AUTH_H
#define CRIER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_HASH_MAX 128           /* crypto_pwhash_STRBYTES */
#define AUTH_SECRET_CHARS 64        /* printable length of a token or session id */

/* Hashes a password (argon2id, interactive limits) into out. 0 or -1. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX]);
/* Does password match the stored hash?  Constant-time. */
bool auth_password_verify(const char *password, const char *hash);

/*
 * A new random secret: "PREFIX" + 43 base64url characters, NUL-terminated
 * in out (at least AUTH_SECRET_CHARS + 1 bytes), and the SHA-256 hex of
 * the whole string in hash (65 bytes).  Prefixes: "crier_" for bearer
 * tokens (so they are easy to spot in a leaked config), "" otherwise.
 */
void auth_secret_new(const char *prefix, char *out, size_t n, char hash[65]);

/* SHA-256 hex of a secret presented by a client. */
void auth_secret_hash(const char *secret, char hash[65]);

/* Constant-time string equality (CSRF tokens). */
bool auth_equal(const char *a, const char *b);

/* Reads a password: from the terminal without echo, else one line of stdin.
 * Returns a malloc'd string (wipe and free it) or NULL. */
char *auth_read_password(const char *prompt);

#endif
