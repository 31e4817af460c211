#!/bin/sh
# debian-deps.sh PROFILE - makes sure the Debian packages a make target
# needs are installed. As root it runs apt-get; otherwise it prints the
# exact command to run and fails, so nothing happens behind the user's back.
#   build: what compiling libcairn, the servers and the CLI needs
#   test:  build + test tools and real peers used by the test suite
set -eu
build="cmake make gcc pkg-config libsignal-protocol-c-dev libsodium-dev \
libssl-dev libmbedtls-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev \
libexpat1-dev zlib1g-dev libevent-dev libqrencode-dev openssl curl"
test="$build libcmocka-dev clang libclang-rt-14-dev kamailio kamailio-tls-modules \
tshark mosquitto python3 sqlite3 procps"
case "${1:-build}" in
  build) want=$build ;;
  test) want=$test ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the answer is no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  # Package post-install scripts may start daemons we only want in tests.
  for svc in kamailio mosquitto; do
    command -v systemctl >/dev/null 2>&1 && systemctl disable --now "$svc" >/dev/null 2>&1 || true
    service "$svc" stop >/dev/null 2>&1 || true
  done
  exit 0
fi
echo "Cairn needs these Debian packages. Run:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
