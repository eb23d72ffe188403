#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Instructions per invocation, counted by callgrind: the same rows as
# bench/run.sh's wall times, but exact and repeatable on a noisy machine
# (wall time there is mostly the machine: exec, page faults, neighbours).
# Beside them, the last-level cache misses of a cold start (callgrind's cache
# simulation begins empty, as a process's first run of its code does): what
# code size costs where instruction counts do not show it.
# Usage: bench/instructions.sh [BASELINE-HOOK]
#   BASELINE-HOOK: another oci-kubevirt-hook binary (say, main's, built
#   elsewhere) whose rows are printed beside this tree's for comparison.
# Needs valgrind (Debian: valgrind), jq and python3; run as root (mknod).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:-}
command -v valgrind >/dev/null || { echo "bench/instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
# shellcheck source=inputs.sh
. bench/inputs.sh
bench_build_release

tmp=$(mktemp -d /tmp/kvpod-instructions.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
bench_make_inputs "$tmp" 8 512 4096
mkdir -m 0700 "$tmp/cache"

count() {  # INPUT COMMAND...: "INSTRUCTIONS LL-MISSES" of one run (after one unmeasured run), or "failed"
  local input=$1
  shift
  if ! "$@" <"$input" >/dev/null 2>"$tmp/count.err"; then
    echo failed
    return
  fi
  # Events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file=/dev/null "$@" <"$input" 2>&1 >/dev/null |
    awk '/Collected :/ { print $4, $10 + $11 + $12 }'
}

rows=()
row() {  # LABEL "INSTRUCTIONS LL-MISSES"
  # A run that fails would count its error path, not the work.
  if [[ ! $2 =~ ^[0-9]+\ [0-9]+$ ]]; then
    echo "bench/instructions.sh: $1: the command failed: $(head -c 400 "$tmp/count.err")" >&2
    exit 1
  fi
  rows+=("$1|$2")
}
hook_rows() {  # PREFIX BINARY
  local prefix=$1 bin=$2 n
  local args=(--config "$tmp/hook.yaml" --config-cache-dir "$tmp/cache")
  row "${prefix}--version" "$(count /dev/null "$bin" --version)"
  row "${prefix}container it ignores" "$(count "$tmp/ignored.json" "$bin" --host-root "$tmp/host-512" "${args[@]}")"
  for n in 8 512 4096; do
    row "${prefix}compute on $n PCI functions" "$(count "$tmp/compute.json" "$bin" --host-root "$tmp/host-$n" "${args[@]}")"
  done
  row "${prefix}compute on 512 parsing its YAML config" \
    "$(count "$tmp/compute.json" "$bin" --host-root "$tmp/host-512" --config "$tmp/hook.yaml" --config-cache-dir "")"
}

# Each compute run must succeed: a refusal would count the wrong thing.
"$hook" --host-root "$tmp/host-512" --config "$tmp/hook.yaml" --config-cache-dir "$tmp/cache" <"$tmp/compute.json" |
  jq -e '.linux.devices | length >= 10' >/dev/null
row "floor (copy stdin to stdout)" "$(count "$tmp/compute.json" "$floor")"
[ -z "$baseline" ] || hook_rows "baseline: " "$baseline"
hook_rows "hook: " "$hook"
# A VM that converts (an instancetype alone is refused: that would count the error path).
row "converter: vm-cirros.yaml" "$(count /dev/null "$converter" tests/data/kubevirt-examples/vm-cirros.yaml)"

printf '%-48s %12s %8s %11s\n' "what" "instructions" "x floor" "LL misses"
floor_count=${rows[0]#*|}
for r in "${rows[@]}"; do
  awk -v label="${r%%|*}" -v counts="${r#*|}" -v floor="$floor_count" \
    'BEGIN { split(counts, n, " "); split(floor, f, " ")
             printf "%-48s %12d %8.2f %11d\n", label, n[1], n[1] / f[1], n[2] }'
done
