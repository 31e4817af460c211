/*
 * store_devices.c - the device lookups behind per-device addressing
 * (spec/relay-api.md section 9): is a device id listed for an account,
 * and the account's current device list as the one line a 410 answer
 * carries (RELAY-DEV-3), so a sender refreshes its list without another
 * round trip.
 *
 * Read-only queries; they run inside whatever transaction is open (the
 * group-commit batch included) and see its uncommitted devices too, which
 * is harmless: devices are added by standalone transactions.
 */
#include <stdio.h>

#include "relay.h"

cairn_status relay__device_of_account(relay *r, int64_t account, uint32_t device, int64_t *row)
{
    static const char SQL[] = "SELECT id FROM devices WHERE account=? AND device=?";
    sqlite3_stmt *st = relay__stmt(r, SQL);
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_int64(st, 1, account);
    sqlite3_bind_int64(st, 2, device);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        if (row)
            *row = sqlite3_column_int64(st, 0);
        rc = CAIRN_OK;
    } else if (s != SQLITE_DONE) {
        rc = CAIRN_ERR_STORE;
    }
    sqlite3_reset(st);
    return rc;
}

size_t relay__devices_format(relay *r, int64_t account, char *out, size_t cap)
{
    static const char SQL[] = "SELECT device FROM devices WHERE account=? ORDER BY device";
    size_t n = 0;
    if (cap == 0)
        return 0;
    out[0] = '\0';
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL)
        return 0;
    sqlite3_bind_int64(st, 1, account);
    while (sqlite3_step(st) == SQLITE_ROW) {
        /* at most max_devices_per_account ids of 10 digits: the caller's
         * buffer is sized for that; a cut list would still be a valid one */
        int k = snprintf(out + n, cap - n, "%s%lld", n ? " " : "",
                         (long long)sqlite3_column_int64(st, 0));
        if (k < 0 || (size_t)k >= cap - n) {
            out[n] = '\0';
            break;
        }
        n += (size_t)k;
    }
    sqlite3_reset(st);
    return n;
}
