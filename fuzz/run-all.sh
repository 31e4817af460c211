#!/bin/sh
# run-all.sh BUILD SECONDS - runs every libFuzzer target of a CAIRN_FUZZ
# build for SECONDS each, starting from its seed corpus (copied, so the
# committed corpus is not modified). Fails on the first crash.
set -eu
build=$1
secs=$2
list="$build/fuzz/fuzzers.txt"
[ -f "$list" ] || { echo "fuzz: no fuzz targets built"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
while IFS='|' read -r name corpus; do
  bin=$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)
  mkdir -p "$work/$name"
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work/$name"/ 2>/dev/null || true
  echo "fuzz: $name for ${secs}s"
  "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 \
    -print_final_stats=0 "$work/$name" >"$work/$name.log" 2>&1 ||
    { tail -n 40 "$work/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
  echo "fuzz: $name ok ($(grep -c . "$work/$name.log") log lines)"
done <"$list"
echo "fuzz: all targets ran clean"
