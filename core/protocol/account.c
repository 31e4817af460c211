/*
 * account.c - opening and closing an account, its lock, batches, and the
 * mapping from libsignal's error codes to cairn_status.
 *
 * Lifecycle: open -> (create_identity or import_identity once) -> use ->
 * close. The signal context and its store context live as long as the
 * account; the libsignal crypto provider draws random bytes from the
 * cairn_context.
 *
 * import_identity installs a key pair made elsewhere (by another device of
 * the same account, delivered by device linking) and writes the same
 * sealed "identity" record create_identity writes, so an imported account
 * is indistinguishable from a created one once open.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <signal/key_helper.h>

#include "crypto.h"
#include "protocol.h"

size_t cairn_storage_key_bytes(void) { return CAIRN_STORAGE_KEY_BYTES; }
size_t cairn_public_key_bytes(void) { return CAIRN_PUBLIC_KEY_BYTES; }

void proto__lock(cairn_account *acct) { pthread_mutex_lock(&acct->lock); }
void proto__unlock(cairn_account *acct) { pthread_mutex_unlock(&acct->lock); }

static void sg_lock(void *ud) { proto__lock(ud); }
static void sg_unlock(void *ud) { proto__unlock(ud); }

static void sg_log(int level, const char *message, size_t len, void *ud)
{
    cairn_account *acct = ud;
    /* libsignal's messages name keys by id, never carry plaintext. */
    /* Failures it logs are the peer's (bad or unknown keys) and reach the
     * caller as a status; they are not the library's warnings. */
    cairn__log(acct->ctx, level <= SG_LOG_ERROR ? CAIRN_LOG_INFO : CAIRN_LOG_DEBUG, "signal",
               "%.*s", (int)len, message);
}

cairn_status proto__fail(cairn_account *acct, cairn_status rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(acct->last_error, sizeof(acct->last_error), fmt, ap);
    va_end(ap);
    return rc;
}

cairn_status proto__map_signal(cairn_account *acct, int sg_rc)
{
    if (sg_rc >= 0)
        return CAIRN_OK;
    if (acct->cb_status != CAIRN_OK)
        return acct->cb_status;
    switch (sg_rc) {
    case SG_ERR_NOMEM:
        return CAIRN_ERR_NOMEM;
    case SG_ERR_INVAL:
        return CAIRN_ERR_INVALID_ARG;
    case SG_ERR_DUPLICATE_MESSAGE:
        return CAIRN_ERR_DUPLICATE;
    case SG_ERR_UNTRUSTED_IDENTITY:
        return CAIRN_ERR_IDENTITY_CHANGED;
    case SG_ERR_NO_SESSION:
    case SG_ERR_INVALID_KEY_ID:
        return CAIRN_ERR_NO_SESSION;
    case SG_ERR_INVALID_KEY:
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    case SG_ERR_INVALID_VERSION:
    case SG_ERR_LEGACY_MESSAGE:
        return CAIRN_ERR_VERSION;
    case SG_ERR_INVALID_MAC:
    case SG_ERR_INVALID_MESSAGE:
    case SG_ERR_INVALID_PROTO_BUF:
    case SG_ERR_STALE_KEY_EXCHANGE:
    case SG_ERR_VRF_SIG_VERIF_FAILED:
        return CAIRN_ERR_INVALID_MESSAGE;
    default:
        return CAIRN_ERR_CRYPTO;
    }
}

cairn_status proto__check_uri(const char *uri)
{
    size_t n;
    if (uri == NULL)
        return CAIRN_ERR_INVALID_ARG;
    n = strnlen(uri, CAIRN_URI_MAX + 1);
    if (n == 0 || n > CAIRN_URI_MAX)
        return CAIRN_ERR_INVALID_ARG;
    /* The URI names rows and goes into associated data with '|' as a
     * separator; control characters and '|' could make two names alias. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)uri[i] < 0x21 || uri[i] == '|' || uri[i] == 0x7f)
            return CAIRN_ERR_INVALID_ARG;
    if (strncmp(uri, "sip:", 4) != 0 && strncmp(uri, "sips:", 5) != 0 &&
        strncmp(uri, "tel:", 4) != 0)
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

cairn_status proto__check_address(const cairn_address *a)
{
    if (a == NULL || a->device == 0 || a->device > 0x7fffffff)
        return CAIRN_ERR_INVALID_ARG;
    return proto__check_uri(a->uri);
}

cairn_status proto__op_begin(cairn_account *acct)
{
    cairn_status rc;
    proto__lock(acct);
    acct->cb_status = CAIRN_OK;
    acct->has_offered_identity = 0;
    acct->last_error[0] = '\0';
    rc = store__begin(acct->store);
    if (rc != CAIRN_OK) {
        proto__unlock(acct);
        return proto__fail(acct, rc, "could not start a transaction");
    }
    return CAIRN_OK;
}

cairn_status proto__op_end(cairn_account *acct, cairn_status rc)
{
    if (rc == CAIRN_OK)
        rc = store__commit(acct->store);
    else
        store__rollback(acct->store);
    proto__unlock(acct);
    return rc;
}

cairn_status cairn_account_open(cairn_context *ctx, const char *path,
                                const uint8_t key[CAIRN_STORAGE_KEY_BYTES],
                                const cairn_account_options *options, cairn_account **out)
{
    cairn_account *acct;
    signal_crypto_provider provider;
    pthread_mutexattr_t attr;
    store_durability dur = STORE_DURABLE_FULL;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL || key == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (options != NULL) {
        if (options->size < sizeof(cairn_account_options))
            return CAIRN_ERR_INVALID_ARG;
        if (options->durability == CAIRN_DURABILITY_PROCESS)
            dur = STORE_DURABLE_NORMAL;
    }
    acct = cairn__calloc(ctx, 1, sizeof(*acct));
    if (acct == NULL)
        return CAIRN_ERR_NOMEM;
    acct->ctx = ctx;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&acct->lock, &attr);
    pthread_mutexattr_destroy(&attr);

    rc = store__open(ctx, path, key, dur, &acct->store);
    if (rc == CAIRN_OK)
        rc = cairn__crypto_provider_init(&provider, ctx);
    if (rc == CAIRN_OK && signal_context_create(&acct->sg, acct) != 0)
        rc = CAIRN_ERR_NOMEM;
    if (rc == CAIRN_OK && (signal_context_set_crypto_provider(acct->sg, &provider) != 0 ||
                           signal_context_set_locking_functions(acct->sg, sg_lock, sg_unlock) != 0 ||
                           signal_context_set_log_function(acct->sg, sg_log) != 0))
        rc = CAIRN_ERR_INTERNAL;
    if (rc == CAIRN_OK)
        rc = proto__install_stores(acct);
    if (rc == CAIRN_OK) {
        rc = proto__load_identity(acct);
        if (rc == CAIRN_ERR_NOT_FOUND)
            rc = CAIRN_OK;
    }
    if (rc != CAIRN_OK) {
        cairn_account_close(acct);
        return rc;
    }
    *out = acct;
    return CAIRN_OK;
}

void cairn_account_close(cairn_account *acct)
{
    if (acct == NULL)
        return;
    if (acct->in_batch)
        cairn_account_batch_rollback(acct);
    if (acct->sgstore)
        signal_protocol_store_context_destroy(acct->sgstore);
    if (acct->sg)
        signal_context_destroy(acct->sg);
    store__close(acct->store);
    pthread_mutex_destroy(&acct->lock);
    cairn__free_secret(acct->ctx, acct, sizeof(*acct));
}

cairn_status cairn_account_batch_begin(cairn_account *acct)
{
    cairn_status rc;
    if (acct == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    if (acct->in_batch) {
        proto__unlock(acct);
        return CAIRN_ERR_STATE;
    }
    rc = store__begin(acct->store);
    if (rc == CAIRN_OK)
        acct->in_batch = 1;
    /* The lock stays held for the batch: no other thread may interleave
     * writes into a transaction it did not start. */
    if (rc != CAIRN_OK)
        proto__unlock(acct);
    return rc;
}

cairn_status cairn_account_batch_commit(cairn_account *acct)
{
    cairn_status rc;
    if (acct == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    if (!acct->in_batch) {
        proto__unlock(acct);
        return CAIRN_ERR_STATE;
    }
    rc = store__commit(acct->store);
    acct->in_batch = 0;
    proto__unlock(acct);
    proto__unlock(acct); /* the batch's own hold */
    return rc;
}

void cairn_account_batch_rollback(cairn_account *acct)
{
    if (acct == NULL)
        return;
    proto__lock(acct);
    if (acct->in_batch) {
        store__rollback(acct->store);
        acct->in_batch = 0;
        proto__unlock(acct);
    }
    proto__unlock(acct);
}

const char *cairn_account_last_error(const cairn_account *acct)
{
    return acct ? acct->last_error : "";
}

cairn_status cairn_account_import_identity(cairn_account *acct, const char *uri, uint32_t device,
                                           const uint8_t public_key[CAIRN_PUBLIC_KEY_BYTES],
                                           const uint8_t private_key[32])
{
    uint8_t check[32];
    uint32_t regid = 0;
    cairn_status rc;

    if (acct == NULL || public_key == NULL || private_key == NULL ||
        proto__check_uri(uri) != CAIRN_OK || device == 0 || device > 0x7fffffff)
        return CAIRN_ERR_INVALID_ARG;
    if (proto__check_public_key(public_key, CAIRN_PUBLIC_KEY_BYTES) != CAIRN_OK)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    /* the pair must be one: a wrong half would make every session fail */
    if (crypto_scalarmult_base(check, private_key) != 0 ||
        cairn__memeq_ct(check, public_key + 1, 32) != 0) {
        sodium_memzero(check, sizeof(check));
        return proto__fail(acct, CAIRN_ERR_INVALID_ARG, "private key does not match public key");
    }
    sodium_memzero(check, sizeof(check));
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    if (acct->have_identity)
        return proto__op_end(acct, proto__fail(acct, CAIRN_ERR_EXISTS, "identity exists"));
    if (signal_protocol_key_helper_generate_registration_id(&regid, 0, acct->sg) != 0)
        return proto__op_end(acct, CAIRN_ERR_CRYPTO);
    return proto__install_identity(acct, uri, device, public_key, private_key, regid);
}
