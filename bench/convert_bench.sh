#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Conversion time per VM and peak memory of kubevirt-vm-to-pod over KubeVirt's
# examples (tests/data/kubevirt-examples): in-process (convert-bench: read,
# expand, render, YAML; N runs per VM) and as a process (spawn-bench: what a
# user waits for, process start included). The target is under 5 ms a VM.
# Numbers are only comparable on an idle machine: say so when others build.
#
#   bench/convert_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-200}
examples=$root/tests/data/kubevirt-examples

echo "# $(date -u +%FT%TZ) $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## in-process (convert-bench)"
"$build/bench/convert-bench" --runs "$runs" "$examples"

echo "## process (spawn-bench: kubevirt-vm-to-pod - < FILE)"
echo "label,runs,median_us,p95_us,max_rss_kib"
for vm in vm-cirros.yaml vmi-fedora.yaml vmi-windows.yaml vmi-gpu.yaml; do
    "$build/bench/spawn-bench" --label "$vm" --input "$examples/$vm" --runs "$((runs / 4 > 10 ? runs / 4 : 10))" --warmup 3 \
        -- "$build/src/vm2pod/kubevirt-vm-to-pod" -
done
echo "## floor: starting a process that copies stdin (floor-cat)"
"$build/bench/spawn-bench" --label floor-cat --input "$examples/vm-cirros.yaml" --runs 50 --warmup 3 -- "$build/bench/floor-cat"
