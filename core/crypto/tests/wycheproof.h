/*
 * wycheproof.h - a small reader for Wycheproof JSON vector files shared by
 * the crypto tests: walks every test case of every group and decodes hex
 * fields. Test-only code (plain malloc is fine here).
 */
#ifndef CAIRN_CRYPTO_TEST_WYCHEPROOF_H
#define CAIRN_CRYPTO_TEST_WYCHEPROOF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Called once per test case. */
typedef void (*wp_case_fn)(const json_t *group, const json_t *test, void *arg);

/* Loads the file, calls fn for every case, returns the number of cases
 * visited; fails the cmocka test if the file is unreadable or malformed,
 * or if the count differs from the file's numberOfTests. */
size_t wp_for_each(const char *path, wp_case_fn fn, void *arg);

/* Decodes a hex string field of a test case into malloc'd memory (at least
 * one byte allocated, so never NULL); fails the test when absent/bad. */
uint8_t *wp_hex(const json_t *test, const char *field, size_t *len);

/* Integer field of a case or group; fails the test when absent. */
long wp_int(const json_t *obj, const char *field);

/* 1 for "valid", 0 for "invalid", fails the test for anything else
 * ("acceptable" does not occur in the files we use). */
int wp_valid(const json_t *test);

/* tcId, for messages. */
long wp_id(const json_t *test);

/* The verdict of an HMAC case: compares `mac` (32 bytes, computed by the
 * caller) with the case's tag truncated to the group's tagSize, in
 * constant time (a tag of the wrong length never verifies), fails the test
 * when the outcome contradicts the case's "result", and counts the case in
 * *valid or *invalid. */
void wp_check_mac(const json_t *group, const json_t *test, const uint8_t mac[32], size_t *valid,
                  size_t *invalid);

#endif
