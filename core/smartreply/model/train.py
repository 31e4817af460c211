#!/usr/bin/env python3
"""train.py - trains the built-in smart-reply model (python3 stdlib only).

Reads intents.tsv, train.tsv and english_words.txt next to this file and
writes the model file described in spec/smart-replies.md (SR-30..SR-36).

Determinism (a ctest retrains and compares bytes with the committed model):
a fixed seed drives the only random source (random.Random); examples are
kept in file order and intents in intents.tsv order, never in dict/set
iteration order; every float that reaches the file goes through an explicit
round-half-up quantiser and struct.pack; nothing depends on locale, time,
hash randomisation or the float repr.

The features must match core/smartreply/features.c byte for byte: FNV-1a
32-bit over "w"+word, "b"+word+" "+word, "c"+char trigram of "<word>",
"s"+first word and "q" for a question, masked into 2**BUCKET_BITS buckets.
"""
import argparse
import hashlib
import math
import os
import random
import struct
import sys

SEED = 20240611
DIM = 32
BUCKET_BITS = 14
EPOCHS = 30
LR0 = 1.0
MAX_TOKENS = 64
MAX_TOKEN_BYTES = 32
GRAD_SKIP = 1e-4          # classes with a smaller gradient are not updated
TARGET_PRECISION = 0.80   # on the tuning split, which holds the hardest
                          # phrasings; smallest grid threshold reaching it
THRESHOLD_GRID = [x / 100 for x in range(20, 91, 5)]
MIN_THRESHOLD = 0.30
SECOND_THRESHOLD = 0.05   # extra suggestions need at least this probability
MAGIC = b"CSRM"
VERSION = 1
KIND_CLASS, KIND_ANSWER = 1, 2
NO_PAIR = 0xFFFF

HERE = os.path.dirname(os.path.abspath(__file__))


def fnv1a(data):
    h = 2166136261
    for b in data:
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def tokenize(text):
    """Lower-case ASCII words; bytes >= 0x80 count as letters; apostrophes
    inside a word are dropped (typographic ones first become ASCII)."""
    data = text.encode("utf-8").replace(b"\xe2\x80\x99", b"'").replace(b"\xe2\x80\x98", b"'")
    tokens, cur, intok = [], bytearray(), False
    for b in data:
        if 65 <= b <= 90:
            b += 32
        if (97 <= b <= 122) or (48 <= b <= 57) or b >= 0x80:
            if len(cur) < MAX_TOKEN_BYTES:
                cur.append(b)
            intok = True
        elif b == 0x27 and intok:
            continue
        else:
            if intok:
                tokens.append(bytes(cur))
                if len(tokens) == MAX_TOKENS:
                    return tokens
            cur, intok = bytearray(), False
    if intok and len(tokens) < MAX_TOKENS:
        tokens.append(bytes(cur))
    return tokens


def is_question(text):
    data = text.encode("utf-8").rstrip(b" \t\r\n!.)")
    return data.endswith(b"?")


def features(text):
    toks = tokenize(text)
    feats = []
    for t in toks:
        feats.append(b"w" + t)
    for a, b in zip(toks, toks[1:]):
        feats.append(b"b" + a + b" " + b)
    for t in toks:
        w = b"<" + t + b">"
        for i in range(len(w) - 2):
            feats.append(b"c" + w[i:i + 3])
    if toks:
        feats.append(b"s" + toks[0])
    if is_question(text):
        feats.append(b"q")
    mask = (1 << BUCKET_BITS) - 1
    return [fnv1a(f) & mask for f in feats]


def read_tsv(path):
    rows = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise SystemExit("%s: bad line %r" % (path, line))
            rows.append((parts[0], parts[1]))
    return rows


def read_intents(path):
    intents = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, kind, pair, reply = line.split("\t")
            intents.append((name, kind, pair, reply))
    names = [i[0] for i in intents]
    classes = [i for i in intents if i[1] == "class"]
    if intents[:len(classes)] != classes:
        raise SystemExit("class intents must come before answer intents")
    for name, kind, pair, _ in intents:
        if pair != "-" and (pair not in names or intents[names.index(pair)][1] != "answer"):
            raise SystemExit("intent %s: pair %s is not an answer intent" % (name, pair))
    return intents


def train(examples, n_out, rng):
    """fastText-style embedding bag + softmax, plain SGD, linear decay."""
    nb = 1 << BUCKET_BITS
    a = 1.0 / DIM
    emb = [[rng.uniform(-a, a) for _ in range(DIM)] for _ in range(nb)]
    w = [[0.0] * DIM for _ in range(n_out)]
    bias = [0.0] * n_out
    order = list(range(len(examples)))
    total = EPOCHS * len(examples)
    step = 0
    exp = math.exp
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for idx in order:
            feats, y = examples[idx]
            lr = LR0 * (1.0 - step / total)
            step += 1
            n = len(feats)
            h = [sum(col) / n for col in zip(*[emb[f] for f in feats])]
            logits = [sum(map(float.__mul__, w[c], h)) + bias[c] for c in range(n_out)]
            m = max(logits)
            e = [exp(v - m) for v in logits]
            s = sum(e)
            g = [v / s for v in e]
            g[y] -= 1.0
            active = [c for c in range(n_out) if abs(g[c]) >= GRAD_SKIP]
            if not active:
                continue
            gh = [sum(col) for col in zip(*[[g[c] * v for v in w[c]] for c in active])]
            for c in active:
                k = lr * g[c]
                w[c] = [v - k * hv for v, hv in zip(w[c], h)]
                bias[c] -= k
            k = lr / n
            for f in feats:
                emb[f] = [v - k * gv for v, gv in zip(emb[f], gh)]
    return emb, w, bias


def f32(x):
    return struct.unpack(">f", struct.pack(">f", x))[0]


def round_half_up(x):
    return int(math.floor(x + 0.5))


def quantize_rows(rows, used=None):
    scales, q = [], []
    for i, row in enumerate(rows):
        if used is not None and i not in used:
            scales.append(0.0)
            q.append([0] * DIM)
            continue
        m = max(abs(v) for v in row)
        s = f32(m / 127.0) if m > 0 else 0.0
        scales.append(s)
        if s == 0.0:
            q.append([0] * DIM)
        else:
            q.append([max(-127, min(127, round_half_up(v / s))) for v in row])
    return scales, q


def quantize(emb, w, bias, used):
    es, eq = quantize_rows(emb, used)
    ws, wq = quantize_rows(w)
    bq = [round_half_up(b * 65536.0) for b in bias]
    return es, eq, ws, wq, bq


def predict(model, feats):
    """Mirror of the C inference (within float rounding) for tuning."""
    es, eq, ws, wq, bq = model
    n = len(feats)
    h = [0.0] * DIM
    for f in feats:
        s = es[f]
        if s:
            row = eq[f]
            h = [a + s * b for a, b in zip(h, row)]
    h = [v / n for v in h]
    logits = [ws[c] * sum(a * b for a, b in zip(wq[c], h)) + bq[c] / 65536.0
              for c in range(len(wq))]
    m = max(logits)
    e = [math.exp(v - m) for v in logits]
    s = sum(e)
    return [v / s for v in e]


def tune_threshold(model, dev):
    """Precision of what is shown: of the messages that trigger, the share
    whose true intent is among the suggestions (top one plus up to two
    more above SECOND_THRESHOLD), the same rule as the C engine."""
    best = None
    preds = [(model_rank(model, feats), y) for feats, y in dev]
    for t in THRESHOLD_GRID:
        shown = correct = 0
        for (p, rank), y in preds:
            top = rank[0]
            if top != 0 and p[top] >= t:
                shown += 1
                picks = [c for c in rank[:3] if c != 0 and (c == top or p[c] >= SECOND_THRESHOLD)]
                correct += y in picks
        prec = correct / shown if shown else 1.0
        if prec >= TARGET_PRECISION and t >= MIN_THRESHOLD:
            best = (t, prec, shown)
            break
    if best is None:
        best = (THRESHOLD_GRID[-1], 0.0, 0)
    return best


def model_rank(model, feats):
    p = predict(model, feats)
    return p, sorted(range(len(p)), key=lambda c: (-p[c], c))


def build(out_path, quiet):
    intents = read_intents(os.path.join(HERE, "intents.tsv"))
    classes = [i[0] for i in intents if i[1] == "class"]
    label = {name: k + 1 for k, name in enumerate(classes)}  # 0 = none
    label["none"] = 0
    rows = read_tsv(os.path.join(HERE, "train.tsv"))
    for name, _ in rows:
        if name not in label:
            raise SystemExit("train.tsv: unknown intent %s" % name)
    examples = [(features(msg), label[name]) for name, msg in rows]
    examples = [e for e in examples if e[0]]
    n_out = len(classes) + 1

    # Threshold: hold out every fifth example of each intent, train on the
    # rest, pick the smallest threshold whose precision reaches the target.
    seen, fit, dev = {}, [], []
    for e in examples:
        k = seen.get(e[1], 0)
        seen[e[1]] = k + 1
        (dev if k % 5 == 4 else fit).append(e)
    emb, w, bias = train(fit, n_out, random.Random(SEED))
    used = set(f for feats, _ in fit for f in feats)
    t, prec, shown = tune_threshold(quantize(emb, w, bias, used), dev)
    if not quiet:
        print("dev: threshold %.2f precision %.3f shown %d/%d" % (t, prec, shown, len(dev)))

    emb, w, bias = train(examples, n_out, random.Random(SEED))
    used = set(f for feats, _ in examples for f in feats)
    es, eq, ws, wq, bq = quantize(emb, w, bias, used)

    vocab = set()
    for _, msg in rows:
        for tok in tokenize(msg):
            vocab.add(fnv1a(b"w" + tok))
    with open(os.path.join(HERE, "english_words.txt"), "r", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            for word in line.split():
                for tok in tokenize(word):
                    vocab.add(fnv1a(b"w" + tok))
    vocab = sorted(vocab)

    names = [i[0] for i in intents]
    out = bytearray()
    out += MAGIC
    out += struct.pack(">HHBBHHHHI", VERSION, DIM, BUCKET_BITS, 0, len(classes),
                       len(intents), round_half_up(t * 10000),
                       round_half_up(SECOND_THRESHOLD * 10000), len(vocab))
    for name, kind, pair, reply in intents:
        nb, rb = name.encode(), reply.encode()
        out += struct.pack(">BHB", KIND_CLASS if kind == "class" else KIND_ANSWER,
                           NO_PAIR if pair == "-" else names.index(pair), len(nb))
        out += nb + struct.pack(">B", len(rb)) + rb
    out += b"".join(struct.pack(">I", v) for v in vocab)
    out += b"".join(struct.pack(">f", s) for s in es)
    out += b"".join(struct.pack(">%db" % DIM, *row) for row in eq)
    out += b"".join(struct.pack(">f", s) for s in ws)
    out += b"".join(struct.pack(">%db" % DIM, *row) for row in wq)
    out += b"".join(struct.pack(">i", v) for v in bq)
    out += hashlib.sha256(bytes(out)).digest()
    with open(out_path, "wb") as f:
        f.write(bytes(out))
    if not quiet:
        print("wrote %s: %d bytes, %d intents (%d classes), %d examples, %d vocab"
              % (out_path, len(out), len(intents), len(classes), len(examples), len(vocab)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "smartreply.model"))
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    build(args.out, args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
