#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The project's benchmark, in one run: builds in release mode, then prints a
# table (and writes it as CSV) of
#   - the hook's wall time per invocation (median, p95) for a container it
#     ignores and for a compute container asking for kvm, tun, vhost-net,
#     2 GPUs and 1 VFIO device on fake hosts of 8, 512 and 4096 PCI
#     functions (SR-IOV heavy), next to the floor (a C program copying stdin
#     to stdout) and `jq .` on the same config, each as a ratio to the floor
#     (all rows interleaved, one run of each in turn);
#   - the hook's peak memory;
#   - the converter's time per VM over the KubeVirt example corpus;
#   - `podman run` with the hook injecting kvm, tun and vhost-net against
#     `podman run --device` for the same nodes (needs root and Podman).
# Usage: bench/run.sh [CSV-OUT]   (default build-release/bench.csv)
# Environment: BENCH_RUNS (default 500), BENCH_PODMAN_RUNS (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-500}
podman_runs=${BENCH_PODMAN_RUNS:-20}
# shellcheck source=inputs.sh
. bench/inputs.sh
bench_build_release
csv=${1:-$build/bench.csv}
spawn=$build/bench/spawn-bench

tmp=$(mktemp -d /tmp/kvpod-bench.XXXXXX)
cleanup() {
  mountpoint -q "$tmp/state" 2>/dev/null && umount "$tmp/state"
  rm -rf "$tmp"
}
trap cleanup EXIT

# Allocation state on a tmpfs, as /run is on a real host.
mkdir -p "$tmp/state"
if [ "$(id -u)" = 0 ]; then mount -t tmpfs -o size=16m,mode=0700 tmpfs "$tmp/state"; fi

# Inputs: the configs, the hook's configuration and the fake hosts.
bench_make_inputs "$tmp"

# Each run must succeed: a refusal would measure the wrong thing.
"$hook" --host-root "$tmp/host-512" --config "$tmp/hook.yaml" <"$tmp/compute.json" | jq -e '.linux.devices | length >= 10' >/dev/null

echo "label,runs,median_us,p95_us,max_rss_kib" >"$csv"
# One interleaved run of every row in turn (spawn-bench --row), so that the
# machine's drift over the run hits the floor and the hook alike.
hook_args=(--config "$tmp/hook.yaml")
rows=(--row "floor (copy stdin to stdout)" "$tmp/compute.json" "$floor"
  --row "jq ." "$tmp/compute.json" "$(command -v jq)" .
  --row "hook: container it ignores" "$tmp/ignored.json" "$hook" --host-root "$tmp/host-512" "${hook_args[@]}")
for n in 8 512 4096; do
  rows+=(--row "hook: compute on $n PCI functions" "$tmp/compute.json" "$hook" --host-root "$tmp/host-$n" "${hook_args[@]}")
done
# The first start after the configuration changed parses its YAML (the rows
# above read the cached document, /run/oci-kubevirt-hook/config-cache.json).
rows+=(--row "hook: compute on 512 parsing its YAML config" "$tmp/compute.json" "$hook" --host-root "$tmp/host-512"
  "${hook_args[@]}" --config-cache-dir "")
"$spawn" --runs "$runs" --warmup 20 "${rows[@]}" | tee -a "$csv" >/dev/null

# The converter: one process per VM of the corpus, as scripts run it.
conv_total=0 conv_count=0 conv_rss=0
for vm_file in tests/data/kubevirt-examples/*.yaml; do
  line=$("$spawn" --label "$(basename "$vm_file")" --input /dev/null --runs 20 --warmup 3 -- \
    "$converter" "$vm_file" 2>/dev/null) || continue  # documents that do not convert
  conv_total=$(awk -v a="$conv_total" -v b="$(cut -d, -f3 <<<"$line")" 'BEGIN { print a + b }')
  conv_count=$((conv_count + 1))
  rss=$(cut -d, -f5 <<<"$line")
  [ "$rss" -gt "$conv_rss" ] && conv_rss=$rss
done
conv_mean=$(awk -v t="$conv_total" -v c="$conv_count" 'BEGIN { printf "%.1f", c ? t / c : 0 }')
echo "converter: per VM over $conv_count corpus VMs (mean of medians),$conv_count,$conv_mean,,$conv_rss" >>"$csv"

# Podman end to end: the hook injecting the three nodes against --device.
podman_line=""
if [ "$(id -u)" = 0 ] && command -v podman >/dev/null; then
  # shellcheck source=../tests/e2e/lib.sh
  . tests/e2e/lib.sh
  E2E_BUILD_DIR=$build E2E_HOOK_BIN=$hook e2e_init bench >/dev/null
  e2e_on_cleanup cleanup  # e2e_init replaced our EXIT trap with its own
  img=$(e2e_image)
  printf '{}\n' >"$E2E_TMP/hook.yaml"
  e2e_write_hook kubevirt "$tmp/host-8" "$E2E_TMP/hook.yaml"
  small='{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"bench"},"spec":{"domain":{"devices":{}}}}'
  with_hook=() with_device=()
  for ((i = 0; i < podman_runs; i++)); do  # interleaved, so drift hits both alike
    t0=$(date +%s%N)
    podman run --rm --network none --annotation "kubevirt-vm-to-pod/vm=bench" --env "STANDALONE_VMI=$small" "$img" true
    t1=$(date +%s%N)
    podman run --rm --network none --device "$tmp/host-8/dev/kvm:/dev/kvm" --device "$tmp/host-8/dev/net/tun:/dev/net/tun" \
      --device "$tmp/host-8/dev/vhost-net:/dev/vhost-net" "$img" true
    t2=$(date +%s%N)
    with_hook+=($(((t1 - t0) / 1000)))
    with_device+=($(((t2 - t1) / 1000)))
  done
  median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
  # shellcheck disable=SC2034  # read by lib.sh's exit trap: this is no TAP script
  E2E_FINISHED=1
  echo "podman run: hook injects kvm+tun+vhost-net,$podman_runs,$(median "${with_hook[@]}"),," >>"$csv"
  echo "podman run: --device for the same nodes,$podman_runs,$(median "${with_device[@]}"),," >>"$csv"
fi

# The table, every figure also as a ratio to the floor.
awk -F, -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
  NR == 1 { next }
  NR == 2 { floor = $3 }
  { label[NR] = $1; runs[NR] = $2; med[NR] = $3; p95[NR] = $4; rss[NR] = $5; last = NR }
  /^podman run: hook/ { ph = $3 } /^podman run: --device/ { pd = $3 }
  END {
    printf "%-52s %6s %11s %11s %8s %10s\n", "what", "runs", "median ms", "p95 ms", "x floor", "peak KiB"
    for (i = 2; i <= last; i++) {
      ratio = (label[i] ~ /^podman/) ? "" : sprintf("%.2f", med[i] / floor)
      printf "%-52s %6s %11.3f %11s %8s %10s\n", label[i], runs[i], med[i] / 1000,
             p95[i] == "" ? "" : sprintf("%.3f", p95[i] / 1000), ratio, rss[i]
    }
    if (ph && pd) printf "podman run with the hook / with --device: %.3f\n", ph / pd
    printf "load average during the run: %s\n", load
  }' "$csv"
echo "CSV: $csv"
