/*
 * store_accounts.c - account and device lookups shared by HTTPS and SIP.
 * Writes (registration, removal) live with their handler in
 * http_accounts.c, each in its own transaction.
 */
#include <stdio.h>
#include <string.h>

#include "relay.h"

cairn_status relay__account_find(relay *r, const char *uri, int64_t *account_row)
{
    static const char SQL[] = "SELECT id FROM accounts WHERE uri=?";
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *account_row = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return CAIRN_OK;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_STORE;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

cairn_status relay__device_find(relay *r, const char *uri, uint32_t device, relay_principal *p,
                                char *pwhash, size_t pwcap, char ha1_sha256[65], char ha1_md5[65])
{
    static const char SQL[] =
        "SELECT d.id, d.account, d.pwhash, d.ha1_sha256, d.ha1_md5 FROM devices d"
        " JOIN accounts a ON a.id=d.account WHERE a.uri=? AND d.device=?";
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, device);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_STORE;
    }
    memset(p, 0, sizeof(*p));
    p->device_row = sqlite3_column_int64(st, 0);
    p->account_row = sqlite3_column_int64(st, 1);
    p->device = device;
    snprintf(p->uri, sizeof p->uri, "%s", uri);
    if (pwhash)
        copy_col(st, 2, pwhash, pwcap);
    if (ha1_sha256)
        copy_col(st, 3, ha1_sha256, 65);
    if (ha1_md5)
        copy_col(st, 4, ha1_md5, 65);
    sqlite3_reset(st);
    return CAIRN_OK;
}
