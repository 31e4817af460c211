/*
 * keys_json.c - reads and checks a cairn-keys/1 upload (spec/prekey-bundle.md)
 * before anything is stored. The relay cannot verify the signed pre-key's
 * XEdDSA signature without the Signal library (clients do, PKB-6), but it
 * refuses every malformed key (PKB-5) so a bundle it serves is never
 * structurally broken. Fuzzed by fuzz/relay_keys.c.
 *
 * Invariants: input at most RELAY_KEYS_MAX_JSON bytes, duplicate member
 * names refused (JSON_REJECT_DUPLICATES), at most max_prekeys one-time
 * pre-keys with distinct ids; *out is written only on success.
 */
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "relay.h"

bool relay__pubkey_valid(const uint8_t *k, size_t len)
{
    static const uint8_t p[32] = {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    uint8_t scalar[32], outp[32];
    int i;

    if (len != RELAY_PUBKEY_LEN || k[0] != 0x05 || (k[32] & 0x80) != 0)
        return false;
    /* canonical: u < p (little-endian compare from the top byte). */
    for (i = 31; i >= 0; i--) {
        if (k[1 + i] < p[i])
            break;
        if (k[1 + i] > p[i])
            return false;
    }
    if (i < 0)
        return false; /* u == p */
    /* Small order: a multiple of the cofactor times the point is the
     * identity, which libsodium reports as failure. */
    memset(scalar, 0, sizeof scalar);
    scalar[0] = 8;
    scalar[31] = 0x40;
    return crypto_scalarmult(outp, scalar, k + 1) == 0;
}

static cairn_status get_u32(json_t *o, const char *k, uint32_t lo, uint32_t hi, uint32_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        return CAIRN_ERR_DECODE;
    json_int_t x = json_integer_value(v);
    if (x < (json_int_t)lo || x > (json_int_t)hi)
        return CAIRN_ERR_DECODE;
    *out = (uint32_t)x;
    return CAIRN_OK;
}

static cairn_status get_b64(json_t *o, const char *k, uint8_t *out, size_t want)
{
    json_t *v = json_object_get(o, k);
    size_t n = 0;
    if (!json_is_string(v))
        return CAIRN_ERR_DECODE;
    if (cairn__base64_decode(out, want, &n, json_string_value(v), json_string_length(v)) !=
            CAIRN_OK ||
        n != want)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static cairn_status get_key(json_t *o, const char *k, uint8_t out[RELAY_PUBKEY_LEN])
{
    cairn_status st = get_b64(o, k, out, RELAY_PUBKEY_LEN);
    if (st != CAIRN_OK)
        return st;
    return relay__pubkey_valid(out, RELAY_PUBKEY_LEN) ? CAIRN_OK : CAIRN_ERR_BAD_PUBLIC_KEY;
}

void relay__keys_doc_free(const cairn_context *ctx, relay_keys_doc *d)
{
    if (d == NULL)
        return;
    cairn__free(ctx, d->prekeys);
    d->prekeys = NULL;
    d->n_prekeys = 0;
}

cairn_status relay__keys_parse(const cairn_context *ctx, const char *json, size_t len,
                               size_t max_prekeys, relay_keys_doc *out)
{
    json_error_t jerr;
    json_t *doc, *v, *spk, *pks;
    relay_keys_doc d;
    cairn_status st = CAIRN_ERR_DECODE;

    memset(&d, 0, sizeof d);
    if (len > RELAY_KEYS_MAX_JSON)
        return CAIRN_ERR_TOO_LARGE;
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc))
        goto out;
    v = json_object_get(doc, "v");
    if (!json_is_string(v))
        goto out;
    if (strcmp(json_string_value(v), "cairn-keys/1") != 0) {
        st = CAIRN_ERR_VERSION;
        goto out;
    }
    v = json_object_get(doc, "uri");
    if (!json_is_string(v) ||
        relay__uri_normalize(json_string_value(v), json_string_length(v), d.uri) != CAIRN_OK)
        goto out;
    if ((st = get_u32(doc, "device", 1, 0x7fffffffu, &d.device)) != CAIRN_OK ||
        (st = get_u32(doc, "registration_id", 0, 0x7fffffffu, &d.registration_id)) != CAIRN_OK ||
        (st = get_key(doc, "identity_key", d.identity)) != CAIRN_OK)
        goto out;
    spk = json_object_get(doc, "signed_prekey");
    st = CAIRN_ERR_DECODE;
    if (!json_is_object(spk))
        goto out;
    if ((st = get_u32(spk, "id", 1, 16777214u, &d.spk_id)) != CAIRN_OK ||
        (st = get_key(spk, "public", d.spk_pub)) != CAIRN_OK ||
        (st = get_b64(spk, "signature", d.spk_sig, RELAY_SIG_LEN)) != CAIRN_OK)
        goto out;
    pks = json_object_get(doc, "prekeys");
    st = CAIRN_ERR_DECODE;
    if (pks == NULL) {
        pks = NULL;
    } else if (!json_is_array(pks)) {
        goto out;
    }
    if (pks && json_array_size(pks) > max_prekeys) {
        st = CAIRN_ERR_LIMIT;
        goto out;
    }
    if (pks && json_array_size(pks) > 0) {
        d.prekeys = cairn__calloc(ctx, json_array_size(pks), sizeof(relay_prekey));
        if (d.prekeys == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto out;
        }
        for (size_t i = 0; i < json_array_size(pks); i++) {
            json_t *pk = json_array_get(pks, i);
            st = CAIRN_ERR_DECODE;
            if (!json_is_object(pk))
                goto out;
            if ((st = get_u32(pk, "id", 1, 16777214u, &d.prekeys[i].id)) != CAIRN_OK ||
                (st = get_key(pk, "public", d.prekeys[i].pub)) != CAIRN_OK)
                goto out;
            for (size_t j = 0; j < i; j++)
                if (d.prekeys[j].id == d.prekeys[i].id) {
                    st = CAIRN_ERR_DECODE;
                    goto out;
                }
            d.n_prekeys = i + 1;
        }
    }
    st = CAIRN_OK;
    *out = d;
    d.prekeys = NULL;
out:
    relay__keys_doc_free(ctx, &d);
    json_decref(doc);
    return st;
}
