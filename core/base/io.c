/*
 * io.c - whole reads and writes on a blocking descriptor, retried across
 * EINTR and short transfers: what every file, pipe and socket copy in the
 * project needs and would otherwise loop over by hand.
 */
#include <errno.h>
#include <unistd.h>

#include "base.h"

cairn_status cairn__write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return CAIRN_ERR_IO;
        b += k;
        n -= (size_t)k;
    }
    return CAIRN_OK;
}

cairn_status cairn__read_exact(int fd, void *p, size_t n, cairn_status at_eof)
{
    uint8_t *b = p;
    while (n > 0) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return CAIRN_ERR_IO;
        if (k == 0)
            return at_eof;
        b += k;
        n -= (size_t)k;
    }
    return CAIRN_OK;
}
