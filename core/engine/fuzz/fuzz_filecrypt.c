/*
 * fuzz_filecrypt.c - the file decryptor on a hostile blob (what a relay
 * could serve for a FILE message): the first two bytes choose the declared
 * plaintext size (0..65535 plus up to two chunk boundaries), the rest is
 * the blob, whose digest is made to match so the fuzzer reaches the chunk
 * logic behind ENG-FILE-4. Every input gives a status; an accepted blob
 * decrypts to exactly the declared size, and the streaming and in-memory
 * forms agree.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct cur {
    const uint8_t *p;
    size_t left;
} cur;

static cairn_status rd(void *ud, uint8_t *p, size_t n)
{
    cur *c = ud;
    if (n > c->left)
        return CAIRN_ERR_INVALID_MESSAGE;
    memcpy(p, c->p, n);
    c->p += n;
    c->left -= n;
    return CAIRN_OK;
}

static cairn_status wr(void *ud, const uint8_t *p, size_t n)
{
    size_t *total = ud;
    (void)p;
    *total += n;
    return CAIRN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    static const uint8_t key[32] = {1, 2, 3};
    uint8_t digest[32], *pt = NULL;
    size_t pt_len = 0, streamed = 0;
    uint64_t declared;
    cairn_status a, b;
    cur c;

    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        abort();
    if (size < 2)
        return 0;
    declared = ((uint64_t)data[0] << 8 | data[1]) + (uint64_t)(data[0] >> 6) * ENGINE_FILE_CHUNK;
    data += 2;
    size -= 2;
    crypto_hash_sha256(digest, data, size);
    a = engine__file_decrypt(ctx, key, digest, declared, data, size, &pt, &pt_len);
    if (a == CAIRN_OK) {
        if (pt_len != declared)
            abort();
        cairn__free_secret(ctx, pt, pt_len ? pt_len : 1);
    }
    c = (cur){data, size};
    b = engine__file_decrypt_stream(ctx, key, declared, rd, &c, wr, &streamed);
    /* the in-memory form also insists on the exact blob size */
    if (a == CAIRN_OK && (b != CAIRN_OK || streamed != declared || c.left != 0))
        abort();
    if (b == CAIRN_OK && c.left == 0 && a != CAIRN_OK)
        abort();
    return 0;
}
