/*
 * qr.c - QR codes in the terminal (libqrencode): two modules per
 * character cell with the upper/lower half-block characters, dark on the
 * terminal's light-on-dark default inverted so phones scan it, and the
 * four-module quiet zone the standard asks for.
 */
#include <qrencode.h>

#include "cli.h"

#define QUIET 2

int cli_qr_print(FILE *out, const uint8_t *data, size_t len)
{
    QRcode *q = QRcode_encodeData((int)len, data, 0, QR_ECLEVEL_M);
    int w;
    if (q == NULL)
        return CLI_ERR;
    w = q->width;
    /* rows two at a time; a module is dark when its low bit is set */
    for (int y = -QUIET; y < w + QUIET; y += 2) {
        for (int x = -QUIET; x < w + QUIET; x++) {
            int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
            int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
            /* light modules are drawn, dark ones left as background */
            if (!top && !bot)
                fputs("\u2588", out);
            else if (!top)
                fputs("\u2580", out);
            else if (!bot)
                fputs("\u2584", out);
            else
                fputc(' ', out);
        }
        fputc('\n', out);
    }
    QRcode_free(q);
    return CLI_OK;
}
