#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan) and runs each one
# for FUZZ_SECONDS (default 60) from its seed corpus in tests/fuzz/corpus/.
# Prints each harness's executions; exits non-zero when one finds a crash
# (the reproducer is left in build-fuzz/crashes/).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
dir=build-fuzz

if [ ! -d "$dir" ]; then
  CXX=clang++ meson setup "$dir" -Dfuzzers=true -Dtests=disabled -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$dir" -j "$(nproc)" >/dev/null

status=0
mkdir -p "$dir/crashes"
for harness in "$dir"/tests/fuzz/fuzz-*; do
  # meson's object folders (fuzz-NAME.p) match the glob too: files only.
  [ -f "$harness" ] && [ -x "$harness" ] || continue
  name=${harness##*/fuzz-}
  work=$(mktemp -d)
  log="$dir/fuzz-$name.log"
  if "$harness" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$dir/crashes/$name-" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log and $dir/crashes/)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz $name: ${runs:-?} executions in ${seconds}s: $result"
  rm -rf "$work"
done
exit $status
