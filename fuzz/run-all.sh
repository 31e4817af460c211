#!/bin/sh
# run-all.sh BUILD SECONDS [RUNS] - runs every libFuzzer target of a
# CAIRN_FUZZ build from its seed corpus (copied, so the committed corpus is
# not modified). Fails on the first crash.
#
# With RUNS (what CI uses) each target runs exactly RUNS inputs from a fixed
# seed, capped at SECONDS: the same inputs on every machine, so CI cannot
# fail or pass by luck; a finding reproduces. Without RUNS it fuzzes for
# SECONDS from a random seed, for exploring (FUZZ_RUNS= make fuzz).
set -eu
build=$1
secs=$2
runs=${3:-}
if [ -n "$runs" ]; then
  mode="-seed=1 -runs=$runs"
else
  mode=""
fi
list="$build/fuzz/fuzzers.txt"
[ -f "$list" ] || { echo "fuzz: no fuzz targets built"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
while IFS='|' read -r name corpus; do
  bin=$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)
  mkdir -p "$work/$name"
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work/$name"/ 2>/dev/null || true
  echo "fuzz: $name (${runs:-unbounded} runs, at most ${secs}s)"
  # shellcheck disable=SC2086
  "$bin" $mode -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 \
    -print_final_stats=0 "$work/$name" >"$work/$name.log" 2>&1 ||
    { tail -n 40 "$work/$name.log"; echo "fuzz: $name FAILED"; exit 1; }
  echo "fuzz: $name ok ($(grep -c . "$work/$name.log") log lines)"
done <"$list"
echo "fuzz: all targets ran clean"
