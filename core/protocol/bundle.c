/*
 * bundle.c - pre-key bundle documents (spec/prekey-bundle.md).
 *
 * Parsing is bounded: the document size is capped before jansson sees it,
 * every key must be base64 of exactly the expected length, and every
 * public key passes proto__check_public_key before libsignal gets it.
 * libsignal verifies the signed pre-key's signature and the identity
 * trust; both happen inside one transaction with the session write.
 */
#include <string.h>

#include <jansson.h>
#include <signal/key_helper.h>
#include <signal/session_builder.h>
#include <signal/session_pre_key.h>

#include "protocol.h"

#define SIG_BYTES 64

static cairn_status put_b64(json_t *obj, const char *k, const uint8_t *p, size_t n)
{
    char text[128];
    if (cairn__base64_encoded_len(n) > sizeof(text))
        return CAIRN_ERR_TOO_LARGE;
    cairn__base64_encode(text, p, n);
    return json_object_set_new(obj, k, json_string(text)) == 0 ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

static cairn_status get_b64(json_t *obj, const char *k, uint8_t *out, size_t want)
{
    json_t *v = json_object_get(obj, k);
    const char *s;
    size_t n = 0;
    if (!json_is_string(v))
        return CAIRN_ERR_DECODE;
    s = json_string_value(v);
    if (cairn__base64_decode(out, want, &n, s, json_string_length(v)) != CAIRN_OK || n != want)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static cairn_status get_u32(json_t *obj, const char *k, uint32_t min, uint32_t max, uint32_t *out)
{
    json_t *v = json_object_get(obj, k);
    json_int_t i;
    if (!json_is_integer(v))
        return CAIRN_ERR_DECODE;
    i = json_integer_value(v);
    if (i < (json_int_t)min || i > (json_int_t)max)
        return CAIRN_ERR_DECODE;
    *out = (uint32_t)i;
    return CAIRN_OK;
}

static cairn_status dump(cairn_account *acct, json_t *doc, char **json, size_t *len)
{
    /* Measure, then serialise into our own allocation: jansson's own
     * buffers would bypass the context allocator. */
    size_t n = json_dumpb(doc, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    char *s;
    if (n == 0)
        return CAIRN_ERR_NOMEM;
    s = cairn__alloc(acct->ctx, n + 1);
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    if (json_dumpb(doc, s, n, JSON_COMPACT | JSON_SORT_KEYS) != n) {
        cairn__free(acct->ctx, s);
        return CAIRN_ERR_INTERNAL;
    }
    s[n] = '\0';
    *json = s;
    *len = n;
    return CAIRN_OK;
}

/* Adds {"id","public","signature"} for the current signed pre-key. */
static cairn_status add_signed_prekey(cairn_account *acct, json_t *doc)
{
    session_signed_pre_key *spk = NULL;
    signal_buffer *pub = NULL;
    json_t *o = json_object();
    uint8_t *idv;
    size_t n;
    uint32_t id;
    cairn_status rc = store__meta_get(acct->store, "current_spk_id", &idv, &n);
    int r;
    if (o == NULL) {
        if (rc == CAIRN_OK)
            cairn__free_secret(acct->ctx, idv, n);
        return CAIRN_ERR_NOMEM;
    }
    if (rc == CAIRN_OK) {
        id = n == 4 ? (uint32_t)idv[0] << 24 | (uint32_t)idv[1] << 16 | (uint32_t)idv[2] << 8 | idv[3] : 0;
        cairn__free_secret(acct->ctx, idv, n);
        r = signal_protocol_signed_pre_key_load_key(acct->sgstore, &spk, id);
        if (r == 0)
            r = ec_public_key_serialize(&pub, ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)));
        if (r < 0)
            rc = proto__map_signal(acct, r);
    }
    if (rc == CAIRN_OK && session_signed_pre_key_get_signature_len(spk) != SIG_BYTES)
        rc = CAIRN_ERR_CORRUPT;
    if (rc == CAIRN_OK)
        rc = json_object_set_new(o, "id", json_integer(id)) == 0 ? CAIRN_OK : CAIRN_ERR_NOMEM;
    if (rc == CAIRN_OK)
        rc = put_b64(o, "public", signal_buffer_data(pub), signal_buffer_len(pub));
    if (rc == CAIRN_OK)
        rc = put_b64(o, "signature", session_signed_pre_key_get_signature(spk), SIG_BYTES);
    signal_buffer_free(pub);
    SIGNAL_UNREF(spk);
    if (rc == CAIRN_OK && json_object_set_new(doc, "signed_prekey", o) == 0)
        return CAIRN_OK;
    json_decref(o);
    return rc == CAIRN_OK ? CAIRN_ERR_NOMEM : rc;
}

static cairn_status prekey_json(cairn_account *acct, session_pre_key *pk, json_t **out)
{
    signal_buffer *pub = NULL;
    json_t *o = json_object();
    cairn_status rc = o ? CAIRN_OK : CAIRN_ERR_NOMEM;
    int r;
    if (rc == CAIRN_OK) {
        r = ec_public_key_serialize(&pub, ec_key_pair_get_public(session_pre_key_get_key_pair(pk)));
        if (r < 0)
            rc = proto__map_signal(acct, r);
    }
    if (rc == CAIRN_OK)
        rc = json_object_set_new(o, "id", json_integer(session_pre_key_get_id(pk))) == 0 ? CAIRN_OK : CAIRN_ERR_NOMEM;
    if (rc == CAIRN_OK)
        rc = put_b64(o, "public", signal_buffer_data(pub), signal_buffer_len(pub));
    signal_buffer_free(pub);
    if (rc != CAIRN_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return CAIRN_OK;
}

static cairn_status identity_fields(cairn_account *acct, json_t *doc, const char *version)
{
    if (json_object_set_new(doc, "v", json_string(version)) != 0 ||
        json_object_set_new(doc, "uri", json_string(acct->uri)) != 0 ||
        json_object_set_new(doc, "device", json_integer(acct->device)) != 0 ||
        json_object_set_new(doc, "registration_id", json_integer(acct->registration_id)) != 0)
        return CAIRN_ERR_NOMEM;
    return put_b64(doc, "identity_key", acct->identity_pub, CAIRN_PUBLIC_KEY_BYTES);
}

cairn_status cairn_bundle_export(cairn_account *acct, char **json, size_t *len)
{
    json_t *doc, *list;
    sqlite3_stmt *st;
    cairn_status rc;
    int step;
    if (acct == NULL || json == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    if (!acct->have_identity) {
        proto__unlock(acct);
        return CAIRN_ERR_STATE;
    }
    doc = json_object();
    list = json_array();
    rc = doc && list ? identity_fields(acct, doc, "cairn-keys/1") : CAIRN_ERR_NOMEM;
    if (rc == CAIRN_OK)
        rc = add_signed_prekey(acct, doc);
    st = rc == CAIRN_OK ? store__stmt(acct->store, STORE_STMT_PREKEY_LIST) : NULL;
    if (rc == CAIRN_OK && st == NULL)
        rc = CAIRN_ERR_STORE;
    while (rc == CAIRN_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        session_pre_key *pk = NULL;
        json_t *item = NULL;
        char row[16];
        uint8_t *rec;
        size_t n;
        snprintf(row, sizeof(row), "%u", (unsigned)sqlite3_column_int64(st, 0));
        rc = store__column_unsealed(acct->store, st, 1, "prekeys", row, &rec, &n);
        if (rc != CAIRN_OK)
            break;
        if (session_pre_key_deserialize(&pk, rec, n, acct->sg) < 0)
            rc = CAIRN_ERR_CORRUPT;
        cairn__free_secret(acct->ctx, rec, n);
        if (rc == CAIRN_OK)
            rc = prekey_json(acct, pk, &item);
        SIGNAL_UNREF(pk);
        if (rc == CAIRN_OK && json_array_append_new(list, item) != 0)
            rc = CAIRN_ERR_NOMEM;
    }
    if (st)
        sqlite3_reset(st);
    if (rc == CAIRN_OK) {
        rc = json_object_set(doc, "prekeys", list) == 0 ? CAIRN_OK : CAIRN_ERR_NOMEM;
    }
    if (rc == CAIRN_OK)
        rc = dump(acct, doc, json, len);
    json_decref(list);
    json_decref(doc);
    proto__unlock(acct);
    return rc;
}

cairn_status cairn_bundle_for_peer(cairn_account *acct, uint32_t pre_key_id, char **json,
                                   size_t *len)
{
    json_t *doc;
    cairn_status rc;
    if (acct == NULL || json == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    if (!acct->have_identity) {
        proto__unlock(acct);
        return CAIRN_ERR_STATE;
    }
    doc = json_object();
    rc = doc ? identity_fields(acct, doc, "cairn-bundle/1") : CAIRN_ERR_NOMEM;
    if (rc == CAIRN_OK)
        rc = add_signed_prekey(acct, doc);
    if (rc == CAIRN_OK && pre_key_id != 0) {
        session_pre_key *pk = NULL;
        json_t *item = NULL;
        int r = signal_protocol_pre_key_load_key(acct->sgstore, &pk, pre_key_id);
        rc = r < 0 ? (r == SG_ERR_INVALID_KEY_ID ? CAIRN_ERR_NOT_FOUND : proto__map_signal(acct, r))
                   : prekey_json(acct, pk, &item);
        SIGNAL_UNREF(pk);
        if (rc == CAIRN_OK && json_object_set_new(doc, "prekey", item) != 0)
            rc = CAIRN_ERR_NOMEM;
    }
    if (rc == CAIRN_OK)
        rc = dump(acct, doc, json, len);
    json_decref(doc);
    proto__unlock(acct);
    return rc;
}

typedef struct parsed_bundle {
    uint32_t device, regid, spk_id, pk_id;
    uint8_t identity[33], spk[33], sig[SIG_BYTES], pk[33];
    int has_pk;
} parsed_bundle;

static cairn_status parse_bundle(const cairn_address *peer, const char *json, size_t len,
                                 parsed_bundle *b)
{
    json_error_t err;
    json_t *doc, *spk, *pk, *v;
    cairn_status rc = CAIRN_OK;

    if (len > CAIRN_BUNDLE_MAX_BYTES)
        return CAIRN_ERR_TOO_LARGE;
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return CAIRN_ERR_DECODE;
    }
    memset(b, 0, sizeof(*b));
    v = json_object_get(doc, "v");
    if (!json_is_string(v) || strcmp(json_string_value(v), "cairn-bundle/1") != 0)
        rc = CAIRN_ERR_VERSION;
    v = json_object_get(doc, "uri");
    if (rc == CAIRN_OK && (!json_is_string(v) || strcmp(json_string_value(v), peer->uri) != 0))
        rc = CAIRN_ERR_DECODE;
    if (rc == CAIRN_OK)
        rc = get_u32(doc, "device", 1, 0x7fffffff, &b->device);
    if (rc == CAIRN_OK && b->device != peer->device)
        rc = CAIRN_ERR_DECODE;
    if (rc == CAIRN_OK)
        rc = get_u32(doc, "registration_id", 0, 0x7fffffff, &b->regid);
    if (rc == CAIRN_OK)
        rc = get_b64(doc, "identity_key", b->identity, 33);
    spk = json_object_get(doc, "signed_prekey");
    if (rc == CAIRN_OK && !json_is_object(spk))
        rc = CAIRN_ERR_DECODE;
    if (rc == CAIRN_OK)
        rc = get_u32(spk, "id", 0, 0xFFFFFF, &b->spk_id);
    if (rc == CAIRN_OK)
        rc = get_b64(spk, "public", b->spk, 33);
    if (rc == CAIRN_OK)
        rc = get_b64(spk, "signature", b->sig, SIG_BYTES);
    pk = json_object_get(doc, "prekey");
    if (rc == CAIRN_OK && pk != NULL && !json_is_null(pk)) {
        if (!json_is_object(pk))
            rc = CAIRN_ERR_DECODE;
        if (rc == CAIRN_OK)
            rc = get_u32(pk, "id", 1, 0xFFFFFF, &b->pk_id);
        if (rc == CAIRN_OK)
            rc = get_b64(pk, "public", b->pk, 33);
        b->has_pk = rc == CAIRN_OK;
    }
    json_decref(doc);
    if (rc != CAIRN_OK)
        return rc;
    if (proto__check_public_key(b->identity, 33) != CAIRN_OK ||
        proto__check_public_key(b->spk, 33) != CAIRN_OK ||
        (b->has_pk && proto__check_public_key(b->pk, 33) != CAIRN_OK))
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    return CAIRN_OK;
}

cairn_status cairn_bundle_process(cairn_account *acct, const cairn_address *peer, const char *json,
                                  size_t len)
{
    parsed_bundle b;
    ec_public_key *ik = NULL, *spk = NULL, *pk = NULL;
    session_pre_key_bundle *bundle = NULL;
    session_builder *builder = NULL;
    signal_protocol_address a;
    cairn_status rc;
    int r;

    if (acct == NULL || json == NULL || proto__check_address(peer) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    rc = parse_bundle(peer, json, len, &b);
    if (rc != CAIRN_OK)
        return rc;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    if (!acct->have_identity)
        return proto__op_end(acct, CAIRN_ERR_STATE);
    a = proto__sg_address(peer);
    r = curve_decode_point(&ik, b.identity, 33, acct->sg);
    if (r == 0)
        r = curve_decode_point(&spk, b.spk, 33, acct->sg);
    if (r == 0 && b.has_pk)
        r = curve_decode_point(&pk, b.pk, 33, acct->sg);
    if (r == 0)
        r = session_pre_key_bundle_create(&bundle, b.regid, (int)b.device, b.has_pk ? b.pk_id : 0,
                                          pk, b.spk_id, spk, b.sig, SIG_BYTES, ik);
    if (r == 0)
        r = session_builder_create(&builder, acct->sgstore, &a, acct->sg);
    if (r == 0)
        r = session_builder_process_pre_key_bundle(builder, bundle);
    if (r < 0) {
        rc = proto__map_signal(acct, r);
        /* libsignal reports a bad signed pre-key signature as an invalid key. */
        if (r == SG_ERR_INVALID_KEY)
            rc = CAIRN_ERR_BAD_SIGNATURE;
    }
    session_builder_free(builder);
    SIGNAL_UNREF(bundle);
    SIGNAL_UNREF(ik);
    SIGNAL_UNREF(spk);
    SIGNAL_UNREF(pk);
    return proto__op_end(acct, rc);
}
