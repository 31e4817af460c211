#!/bin/sh
# system-demo.sh - the whole stack on loopback, driven with the `cairn` CLI:
# a key-transparency server (cairn-kt), its auditor (cairn-audit), a relay,
# and three people (alice, bob, carol), each step checked; prints a readable transcript and exits 0 only if
# every step was verified. Everything lives in a temporary directory that is
# removed at the end.
#
#   usage: client/demo/system-demo.sh [BUILD_DIR] [cairn-relay|dir]
#          (default: build/release, cairn-relay when it is built)
#
# With cairn-relay, everything goes through the real relay: HTTPS, SIP over
# TLS with one copy per device (relay-api.md section 9), its durable queue,
# file store and provisioning mailbox for linking alice's second device
# (section 10). The relay here has no [kt] url, so the script publishes
# each new identity key to cairn-kt as the operator would. With "dir", the
# relay is a shared directory that publishes to cairn-kt itself. Either
# way every step runs and is checked; any failure makes the exit status 1.
set -u

BUILD=${1:-build/release}
MODE=${2:-}
RELAYBIN=$BUILD/server/cairn-relay
if [ -z "$MODE" ]; then
    if [ -x "$RELAYBIN" ]; then MODE=cairn-relay; else MODE=dir; fi
fi
CAIRN=$BUILD/client/cairn
KT=$BUILD/transparency/server/cairn-kt
AUDIT=$BUILD/transparency/auditor/cairn-audit
for b in "$CAIRN" "$KT" "$AUDIT"; do
    [ -x "$b" ] || { echo "system-demo: missing $b (build first)" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo.XXXXXX")
KT_PID=
AUD_PID=
RELAY_PID=
LINK_PID=
cleanup() {
    [ -n "$LINK_PID" ] && kill "$LINK_PID" 2>/dev/null && wait "$LINK_PID" 2>/dev/null
    [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
    [ -n "$AUD_PID" ] && kill "$AUD_PID" 2>/dev/null && wait "$AUD_PID" 2>/dev/null
    [ -n "$KT_PID" ] && kill "$KT_PID" 2>/dev/null && wait "$KT_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

STEP=0
FAILED=0
step() { STEP=$((STEP + 1)); printf '\n== [%d] %s\n' "$STEP" "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() { printf '   FAILED: %s\n' "$*"; FAILED=1; }
# expect <description> <pattern> <text>
expect() { case "$3" in *"$2"*) ok "$1" ;; *) fail "$1"; printf '   got: %s\n' "$3" ;; esac; }
# once <description> <pattern> <text>: the pattern is on exactly one line
once() {
    n=$(printf '%s\n' "$3" | grep -c -F -- "$2")
    [ "$n" -eq 1 ] && ok "$1" || { fail "$1 (seen $n times)"; printf '   got: %s\n' "$3"; }
}
refuse() { case "$3" in *"$2"*) fail "$1"; printf '   got: %s\n' "$3" ;; *) ok "$1" ;; esac; }

# --- servers -----------------------------------------------------------
step "start the key-transparency server (cairn-kt) on loopback"
mkdir -p "$TMP/kt" "$TMP/relay"
echo "demo-publisher-token-0123456789" > "$TMP/kt/token"
"$KT" --data "$TMP/kt/data" --keys "$TMP/kt/keys" --init --token-file "$TMP/kt/token" \
    --port-file "$TMP/kt/port" --batch-ms 50 --log-level warn 2>"$TMP/kt/log" &
KT_PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/kt/port" ] && break; sleep 0.05; done
[ -s "$TMP/kt/port" ] || { echo "cairn-kt did not start"; cat "$TMP/kt/log"; exit 1; }
KT_URL="http://127.0.0.1:$(cat "$TMP/kt/port")"
ok "cairn-kt listening at $KT_URL"
if [ "$MODE" = cairn-relay ]; then
    step "start the relay (cairn-relay): HTTPS registration, keys and files; SIP over TLS delivery"
    mkdir -p "$TMP/cr"
    printf '[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\nstate_dir = %s\nports_file = %s\ndomain = example.org\n[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n[log]\nlevel = warn\n' \
        "$TMP/cr/state" "$TMP/cr/ports" > "$TMP/cr/relay.ini"
    "$RELAYBIN" -c "$TMP/cr/relay.ini" 2>"$TMP/cr/log" &
    RELAY_PID=$!
    for _ in $(seq 1 200); do grep -q '^sip=' "$TMP/cr/ports" 2>/dev/null && break; sleep 0.05; done
    grep -q '^sip=' "$TMP/cr/ports" 2>/dev/null || { echo "cairn-relay did not start"; cat "$TMP/cr/log"; exit 1; }
    H=$(sed -n 's/^https=//p' "$TMP/cr/ports"); S=$(sed -n 's/^sip=//p' "$TMP/cr/ports")
    RELAY="https://127.0.0.1:$H/?sip=$S"
    RELAY_CA="$TMP/cr/state/tls/cert.pem"
    ok "cairn-relay: HTTPS on $H, SIP/TLS on $S, certificate $RELAY_CA"
else
    RELAY="dir:$TMP/relay"
    RELAY_CA=
    printf 'url = %s\ntoken = %s\n' "$KT_URL" "$(cat "$TMP/kt/token")" > "$TMP/relay/kt.conf"
    ok "relay at dir:$TMP/relay publishes identity keys to the directory"
fi

step "start the auditor (cairn-audit), which follows the log; clients gossip to it"
mkdir -p "$TMP/audit"
"$AUDIT" --server "$KT_URL" --state "$TMP/audit" --init --interval-ms 200 \
    --port-file "$TMP/audit/port" >"$TMP/audit/log" 2>&1 &
AUD_PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/audit/port" ] && break; sleep 0.05; done
[ -s "$TMP/audit/port" ] || { echo "cairn-audit did not start"; cat "$TMP/audit/log"; exit 1; }
AUD_URL="http://127.0.0.1:$(cat "$TMP/audit/port")"
ok "cairn-audit listening at $AUD_URL"

c() {
    who=$1; shift
    if [ -n "$RELAY_CA" ]; then
        "$CAIRN" --home "$TMP/home" --profile "$who" --relay "$RELAY" --relay-ca "$RELAY_CA" --kt-url "$KT_URL" --auditor "$AUD_URL" "$@"
    else
        "$CAIRN" --home "$TMP/home" --profile "$who" --relay "$RELAY" --kt-url "$KT_URL" --auditor "$AUD_URL" "$@"
    fi
}
# The operator's publication of an identity (cairn-relay's own publisher
# does not speak cairn-kt's API yet; the dir relay publishes by itself).
publish_kt() {
    [ "$MODE" = cairn-relay ] || return 0
    key=$(c "$1" --json whoami | sed -n 's/.*"identity_key":"\([^"]*\)".*/\1/p')
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$TMP/kt/token")" \
        -H 'Content-Type: application/json' \
        -d "{\"updates\":[{\"label\":\"sip:$1@example.org\",\"value_b64\":\"$key\"}]}" \
        "$KT_URL/kt/v1/publish")
    [ "$code" = 200 ] && ok "$1's identity key published to the directory" || fail "publish $1 ($code)"
}

# --- accounts ----------------------------------------------------------
step "alice, bob and carol create their accounts"
for p in alice bob carol; do
    out=$(c $p init $p@example.org 2>&1); expect "$p: $out" "created sip:$p@example.org" "$out"
    publish_kt $p
done

step "alice -> bob, each key checked against key transparency first"
c alice send bob@example.org "Hi Bob, it's Alice."
out=$(c bob sync); printf '%s\n' "$out"
expect "bob received alice's message" "Hi Bob, it's Alice." "$out"
out=$(c bob --json contacts); expect "bob: alice's key verified by the directory" '"kt":"verified"' "$out"
out=$(c alice --json contacts); expect "alice: bob's key verified by the directory" '"kt":"verified"' "$out"

step "bob -> alice, delivery and read receipts"
out=$(c alice sync); printf '%s\n' "$out"
expect "alice sees bob's delivered receipt" "delivered to sip:bob@example.org" "$out"
c bob read alice@example.org
out=$(c alice sync); printf '%s\n' "$out"
expect "alice sees bob's read receipt" "read by sip:bob@example.org" "$out"
c bob send alice@example.org "Hello Alice! Got it."
out=$(c alice sync); printf '%s\n' "$out"
expect "alice received bob's reply" "Hello Alice! Got it." "$out"
out=$(c alice history bob@example.org); printf '%s\n' "$out"

step "offline delivery: carol is away while alice writes"
c alice send carol@example.org "Carol, are you there?"
c alice send carol@example.org "Call me when you are back."
out=$(c carol sync); printf '%s\n' "$out"
expect "carol gets the first queued message" "Carol, are you there?" "$out"
expect "carol gets the second queued message" "Call me when you are back." "$out"

step "group chat; carol is removed and can no longer read"
gid=$(c alice --json groups create Weekend bob@example.org carol@example.org | sed -n 's/.*"group":"\([0-9a-f]*\)".*/\1/p')
[ -n "$gid" ] && ok "group Weekend created: $gid" || fail "group creation"
c bob sync >/dev/null; c carol sync >/dev/null
c alice groups send "$gid" "Hike on Saturday?"
out=$(c bob sync); printf 'bob:   %s\n' "$out"; expect "bob reads the group" "Hike on Saturday?" "$out"
out=$(c carol sync); printf 'carol: %s\n' "$out"; expect "carol reads the group" "Hike on Saturday?" "$out"
c alice groups remove "$gid" carol@example.org
out=$(c carol sync); printf 'carol: %s\n' "$out"; expect "carol is told she was removed" "you were removed" "$out"
c bob sync >/dev/null
c alice groups send "$gid" "Plan B without carol: Sunday."
out=$(c bob sync); printf 'bob:   %s\n' "$out"; expect "bob reads after the removal" "Plan B without carol" "$out"
out=$(c carol sync); printf 'carol: %s\n' "$out"; refuse "carol cannot read after the removal" "Plan B" "$out"

step "encrypted file transfer with progress"
head -c 400000 /dev/urandom > "$TMP/photo.jpg"
c alice files send bob@example.org "$TMP/photo.jpg" --type image/jpeg
out=$(c bob --json sync)
id=$(printf '%s\n' "$out" | sed -n 's/.*"event":"file".*"msg_id":"\([0-9a-f]*\)".*/\1/p' | head -1)
[ -n "$id" ] && ok "bob got the file offer $id" || fail "file offer"
c bob files get sip:alice@example.org "$id" "$TMP/photo-bob.jpg"
cmp -s "$TMP/photo.jpg" "$TMP/photo-bob.jpg" && ok "bob's copy is byte-identical" || fail "file content"

step "a second device for alice, linked through the relay's provisioning mailbox"
c alice2 --json --device-name laptop devices link > "$TMP/link.out" 2>&1 &
LINK_PID=$!
for _ in $(seq 1 200); do grep -q '"code"' "$TMP/link.out" 2>/dev/null && break; sleep 0.05; done
code=$(sed -n 's/.*"code":"\([0-9A-Z-]*\)".*/\1/p' "$TMP/link.out" | head -1)
[ -n "$code" ] && printf '   the new device shows the code %s (and a QR code)\n' "$code" || fail "no linking code shown"
out=$(c alice devices approve "$code" 2>&1); printf '   phone: %s\n' "$out"
expect "alice's phone sent the account to the new device" "(device 2)" "$out"
if wait $LINK_PID; then
    out=$(cat "$TMP/link.out"); expect "alice's laptop is linked as device 2" '"device":2' "$out"
else
    fail "linking (the new device exited with an error)"; cat "$TMP/link.out"
fi
LINK_PID=
out=$(c alice sync); printf '%s\n' "$out"; expect "alice's phone reports the new device" "device 2 was linked" "$out"
out=$(c alice --json devices); expect "the relay lists both of alice's devices" '[1,2]' "$(printf '%s' "$out" | tr -d ' ')"

step "bob writes to alice: one copy for each of her devices"
c bob send alice@example.org "Reaches both of your devices."
out=$(c alice2 sync); printf 'laptop: %s\n' "$out"
once "the laptop receives bob's message, once" "Reaches both of your devices." "$out"
out=$(c alice sync); printf 'phone:  %s\n' "$out"
once "the phone receives bob's message, once" "Reaches both of your devices." "$out"

step "alice writes from the laptop: bob receives it, the phone sees it too"
c alice2 send bob@example.org "Typing this on my laptop."
out=$(c bob sync); printf 'bob:    %s\n' "$out"
once "bob receives the laptop's message, once" "Typing this on my laptop." "$out"
out=$(c alice sync); printf 'phone:  %s\n' "$out"
once "the phone shows what the laptop sent" "(you, other device) -> sip:bob@example.org: Typing this on my laptop." "$out"

step "safety numbers are equal on both sides"
a=$(c alice --json verify bob@example.org --mark | sed -n 's/.*"safety_number":"\([0-9]*\)".*/\1/p')
b=$(c bob --json verify alice@example.org --mark | sed -n 's/.*"safety_number":"\([0-9]*\)".*/\1/p')
l=$(c alice2 --json verify bob@example.org | sed -n 's/.*"safety_number":"\([0-9]*\)".*/\1/p')
c alice verify bob@example.org
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$l" ] && ok "alice, alice's devices and bob see $a" || fail "safety numbers differ"

step "key transparency: every account finds its own key in the directory"
for p in alice alice2 bob carol; do
    out=$(c $p --json kt check); expect "$p: own key verified, no alerts" '"self_verified":true,' "$out"
    expect "$p: no alerts" '"alerts":0' "$out"
done

step "the auditor confirms the log it followed"
sleep 0.5
out=$("$AUDIT" --server "$KT_URL" --state "$TMP/audit" --once 2>&1); rc=$?
printf '%s\n' "$out" | tail -3
[ $rc -eq 0 ] && ok "cairn-audit --once: the directory's log is consistent (exit 0)" || fail "auditor (exit $rc)"
refuse "no client reported a split view" "split" "$(cat "$TMP/audit/log")"

echo
if [ $FAILED -eq 0 ]; then
    echo "system demo ($MODE): all $STEP steps verified"
    exit 0
fi
echo "system demo ($MODE): FAILED"
exit 1
