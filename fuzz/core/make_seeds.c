/*
 * make_seeds.c - writes the seed corpus for core_bundle and core_decrypt
 * from real documents and ciphertexts made by the library:
 *   make_seeds <corpus-root>
 * Built in normal builds as `core_fuzz_seeds`; run by hand when formats
 * change (the corpus is committed).
 */
#include <stdio.h>

#include "fuzz_parties.h"

static void put(const char *root, const char *dir, const char *name, uint8_t tag,
                const uint8_t *p, size_t n, int with_tag)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        abort();
    if (with_tag)
        fputc(tag, f);
    fwrite(p, 1, n, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    cairn_ciphertext ct;
    cairn_outbox box;
    char *json;
    size_t len;
    if (argc != 2)
        return 2;
    fz_setup();
    fz_must(cairn_bundle_for_peer(fz_bob, 2, &json, &len));
    put(argv[1], "core_bundle", "bundle-with-prekey.json", 0, (uint8_t *)json, len, 0);
    cairn_free(fz_ctx, json, len);
    fz_must(cairn_bundle_for_peer(fz_bob, 0, &json, &len));
    put(argv[1], "core_bundle", "bundle-without-prekey.json", 0, (uint8_t *)json, len, 0);
    cairn_free(fz_ctx, json, len);
    fz_must(cairn_session_encrypt(fz_alice, &fz_b, (const uint8_t *)"hello", 5, &ct));
    put(argv[1], "core_decrypt", "normal.bin", 1, ct.data, ct.len, 1);
    cairn_ciphertext_clear(fz_alice, &ct);
    {
        cairn_account *c;
        static const uint8_t key[32] = {3};
        static const cairn_address ca = {"sip:alice@fuzz", 1};
        fz_must(cairn_account_open(fz_ctx, NULL, key, NULL, &c));
        fz_must(cairn_account_create_identity(c, ca.uri, 1));
        fz_must(cairn_bundle_for_peer(fz_bob, 3, &json, &len));
        fz_must(cairn_bundle_process(c, &fz_b, json, len));
        cairn_free(fz_ctx, json, len);
        fz_must(cairn_session_encrypt(c, &fz_b, (const uint8_t *)"first", 5, &ct));
        put(argv[1], "core_decrypt", "prekey.bin", 0, ct.data, ct.len, 1);
        cairn_ciphertext_clear(c, &ct);
        cairn_account_close(c);
    }
    fz_must(cairn_group_encrypt(fz_alice, "g", (const uint8_t *)"group", 5, &ct));
    put(argv[1], "core_decrypt", "group.bin", 2, ct.data, ct.len, 1);
    cairn_ciphertext_clear(fz_alice, &ct);
    fz_must(cairn_group_rotate(fz_alice, "g", &box));
    put(argv[1], "core_decrypt", "distribution.bin", 3, box.items[0].ct.data,
        box.items[0].ct.len, 1);
    cairn_outbox_free(fz_alice, &box);
    return 0;
}
