/*
 * frame.c - the pipe protocol between the host and a sandboxed worker
 * (SR-13). A frame is u32 type, u32 payload length, payload; all integers
 * big-endian; payloads are at most SR_FRAME_MAX_PAYLOAD bytes.
 *
 * Invariants: both directions parse with explicit bounds and reject
 * anything not exactly as specified (trailing bytes, counts above the
 * limits, over-long or unclean text); the host treats a reply that fails
 * to parse as a protocol violation by the worker.
 */
#include <string.h>

#include "internal.h"

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

size_t smartreply__frame_request(uint8_t *out, uint32_t seq,
                                 const cairn_smartreply_message *msgs, size_t count)
{
    size_t o = SR_FRAME_HEADER;
    be32(out + o, seq);
    o += 4;
    out[o++] = (uint8_t)count;
    for (size_t i = 0; i < count; i++) {
        size_t l = msgs[i].len;
        out[o++] = msgs[i].from_me ? 1 : 0;
        be16(out + o, (uint16_t)l);
        o += 2;
        memcpy(out + o, msgs[i].text, l);
        o += l;
    }
    be32(out, SR_FRAME_REQUEST);
    be32(out + 4, (uint32_t)(o - SR_FRAME_HEADER));
    return o;
}

int smartreply__frame_parse_request(const uint8_t *p, size_t len, uint32_t *seq,
                                    cairn_smartreply_message *msgs, size_t *count,
                                    char *text)
{
    cairn__reader r;
    size_t n, t = 0;
    cairn__reader_init(&r, p, len);
    *seq = cairn__read_u32be(&r);
    n = cairn__read_u8(&r);
    if (r.err || n == 0 || n > CAIRN_SMARTREPLY_WINDOW)
        return -1;
    for (size_t i = 0; i < n; i++) {
        uint8_t me = cairn__read_u8(&r);
        uint16_t l = cairn__read_u16be(&r);
        const uint8_t *s = cairn__read_bytes(&r, l);
        if (r.err || me > 1 || l > CAIRN_SMARTREPLY_MAX_TEXT)
            return -1;
        memcpy(text + t, s, l);
        text[t + l] = '\0';
        msgs[i].text = text + t;
        msgs[i].len = l;
        msgs[i].from_me = me;
        t += (size_t)l + 1;
    }
    if (cairn__reader_left(&r) != 0)
        return -1;
    *count = n;
    return 0;
}

size_t smartreply__frame_reply(uint8_t *out, uint32_t seq, uint32_t status,
                               const cairn_smartreply_output *o)
{
    size_t k = SR_FRAME_HEADER;
    uint32_t n = o->count > CAIRN_SMARTREPLY_MAX_SUGGESTIONS
                     ? CAIRN_SMARTREPLY_MAX_SUGGESTIONS : o->count;
    be32(out + k, seq);
    be32(out + k + 4, status);
    k += 8;
    out[k++] = (uint8_t)n;
    for (uint32_t i = 0; i < n; i++) {
        size_t l = o->replies[i].len;
        if (l > CAIRN_SMARTREPLY_MAX_REPLY)
            l = CAIRN_SMARTREPLY_MAX_REPLY;
        be32(out + k, o->replies[i].intent);
        be16(out + k + 4, (uint16_t)l);
        k += 6;
        memcpy(out + k, o->replies[i].text, l);
        k += l;
    }
    be32(out, SR_FRAME_REPLY);
    be32(out + 4, (uint32_t)(k - SR_FRAME_HEADER));
    return k;
}

int smartreply__frame_parse_reply(const uint8_t *p, size_t len, uint32_t *seq,
                                  uint32_t *status, cairn_smartreply_output *o)
{
    cairn__reader r;
    uint32_t n;
    cairn__reader_init(&r, p, len);
    memset(o, 0, sizeof(*o));
    *seq = cairn__read_u32be(&r);
    *status = cairn__read_u32be(&r);
    n = cairn__read_u8(&r);
    if (r.err || n > CAIRN_SMARTREPLY_MAX_SUGGESTIONS)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t intent = cairn__read_u32be(&r);
        uint16_t l = cairn__read_u16be(&r);
        const uint8_t *s = cairn__read_bytes(&r, l);
        if (r.err || l > CAIRN_SMARTREPLY_MAX_REPLY)
            return -1;
        o->replies[i].intent = intent;
        o->replies[i].len = l;
        memcpy(o->replies[i].text, s, l);
        o->replies[i].text[l] = '\0';
    }
    if (cairn__reader_left(&r) != 0)
        return -1;
    o->count = n;
    return 0;
}
