#!/bin/sh
# run-all.sh BUILD - runs every benchmark binary (bench_*) of a release build
# and prints its figures. Benchmarks are not tests: they assert nothing.
set -eu
build=$1
for bin in $(find "$build/bench" -maxdepth 1 -type f -name 'bench_*' -perm -u+x | sort); do
  echo "== $(basename "$bin")"
  "$bin"
done
