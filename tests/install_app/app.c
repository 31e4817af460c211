/*
 * app.c - the smallest app on an installed libcairn: opens an in-memory
 * account, creates an identity, prints the version. Proves that the
 * installed headers, library, CMake package and pkg-config file work.
 */
#include <stdio.h>
#include <string.h>

#include <cairn/cairn.h>

int main(void)
{
    cairn_context *ctx;
    cairn_account *acct;
    uint8_t key[CAIRN_STORAGE_KEY_BYTES];
    memset(key, 1, sizeof(key));
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    if (cairn_account_open(ctx, NULL, key, NULL, &acct) != CAIRN_OK)
        return 2;
    if (cairn_account_create_identity(acct, "sip:app@example.org", 1) != CAIRN_OK)
        return 3;
    printf("installed libcairn %s works\n", cairn_version_string());
    cairn_account_close(acct);
    cairn_context_destroy(ctx);
    return cairn_version_number() == CAIRN_VERSION_NUMBER ? 0 : 4;
}
