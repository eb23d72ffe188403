#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What a user of a VM feels, in one run: the time from `podman kube play` of
# the converter's Pod (KubeVirt's real virt-launcher, tests/e2e/launcher) to
# the test guest's boot marker and to its KVPOD-READY line, and the memory of
# the running pod (the RSS of every process in it: virt-launcher, libvirtd,
# QEMU, passt, ...), each beside the same guest started by qemu-system-x86_64
# directly (tests/e2e/guest/run-qemu.sh) with the same disk, memory and
# accelerator, as ratios. Rounds are interleaved: direct, pod, direct, pod...
#
# Usage: bench/vm_boot.sh [ROUNDS]   (default 3; as root, with Podman)
# Environment: E2E_BUILD_DIR (default build), E2E_LAUNCHER_IMAGE,
# BENCH_ACCEL=kvm|tcg|auto (default auto), BENCH_MEMORY_MIB (default 192).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
build=${E2E_BUILD_DIR:-$PWD/build}
converter=$build/src/vm2pod/kubevirt-vm-to-pod
hook=$build/src/hook/oci-kubevirt-hook
memory=${BENCH_MEMORY_MIB:-192}
[ "$(id -u)" = 0 ] || { echo "bench/vm_boot.sh: run as root (rootful Podman)" >&2; exit 2; }
[ -x "$converter" ] && [ -x "$hook" ] || { echo "bench/vm_boot.sh: build first (meson setup build && ninja -C build)" >&2; exit 2; }

launcher=$(tests/e2e/launcher/build.sh)
guest=$(tests/e2e/guest/build.sh)
disk=$(tests/e2e/guest/build.sh --disk)
accel=${BENCH_ACCEL:-auto}
[ "$accel" = auto ] && accel=$(tests/e2e/guest/run-qemu.sh --accel-probe)

tmp=$(mktemp -d /tmp/kvpod-vmboot-bench.XXXXXX)
prefix=bench-vmboot-$$
cleanup() {
  podman_ kube down "$tmp/pod.yaml" >/dev/null 2>&1 || true
  command podman volume ls -q | grep -E "^(virt-launcher-)?$prefix-" | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  if [ -n "${qemu_pid:-}" ]; then kill "$qemu_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Podman as tests/e2e sets it up: runc, the pod sysctls passt needs, our hook
# on a host root with tun (and kvm where guests use it).
mkdir -p "$tmp/hooks.d" "$tmp/root/dev/net"
mknod "$tmp/root/dev/net/tun" c 10 200
[ "$accel" = kvm ] && mknod "$tmp/root/dev/kvm" c 10 232
printf 'allowEmulation: %s\n' "$([ "$accel" = tcg ] && echo true || echo false)" >"$tmp/hook.yaml"
jq --arg bin "$hook" --arg root "$tmp/root" --arg config "$tmp/hook.yaml" \
  '.hook.path = $bin | .hook.args += ["--host-root", $root, "--config", $config]' \
  "$build/hooks.d/oci-kubevirt-hook.build.json" >"$tmp/hooks.d/kubevirt.json"
cat >"$tmp/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
default_sysctls = ["net.ipv4.ping_group_range=107 107", "net.ipv4.ip_unprivileged_port_start=0"]

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$tmp/containers.conf
podman_() { command podman --hooks-dir "$tmp/hooks.d" "$@"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_line FILE-GLOB-COMMAND TEXT DEADLINE-MS: polls (10 ms) until the file
# that COMMAND prints contains TEXT; prints the time it was seen.
wait_text() {  # wait_text FILE TEXT TIMEOUT-S
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    [ -f "$1" ] && grep -qa "$2" "$1" && { now_ms; return 0; }
    sleep 0.01
  done
  return 1
}

# RSS (KiB) of PID and all its descendants, by command name: every process of
# the container whose PID 1 it is, passt too (which moves itself into new
# namespaces, so a PID namespace would miss it).
rss_of_tree() {  # rss_of_tree PID -> "name kib" lines
  local p
  for p in /proc/[0-9]*/stat; do
    # pid (comm) state ppid: comm may hold spaces, so read from the last ')'.
    sed -E 's/^([0-9]+) \((.*)\) [A-Za-z] ([0-9]+) .*/\1 \3 \2/' "$p" 2>/dev/null
  done | awk -v root="$1" '{ parent[$1] = $2; name[$1] = $3 }
    END {
      for (p in parent) { q = p; while (q != "" && q != root && q in parent && q != 0) q = parent[q]; if (q == root) keep[p] = 1 }
      for (p in keep) print p, name[p]
    }' | while read -r pid name; do
    awk -v n="$name" '/^VmRSS:/ { print n, $2 }' "/proc/$pid/status" 2>/dev/null
  done
}

direct_round() {  # prints "marker_ms ready_ms rss_kib"
  local log=$tmp/direct.log t0 t_marker t_ready rss
  rm -f "$log" "$tmp/data.img" "$tmp/qmp"
  t0=$(now_ms)
  tests/e2e/guest/run-qemu.sh --accel "$accel" --memory "$memory" --serial "$tmp/serial" --serial-log "$log" \
    --qmp "$tmp/qmp" --pidfile "$tmp/qemu.pid" "$disk" "$tmp/data.img" >/dev/null 2>&1 &
  qemu_pid=$!
  t_marker=$(wait_text "$log" KVPOD-GUEST-BOOTED 300)
  t_ready=$(wait_text "$log" KVPOD-READY 300)
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$tmp/qemu.pid")/status")
  tests/e2e/guest/run-qemu.sh --qmp-send "$tmp/qmp" quit >/dev/null 2>&1 || kill "$qemu_pid"
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=
  echo "$((t_marker - t0)) $((t_ready - t0)) $rss"
}

pod_round() {  # pod_round N -> "marker_ms ready_ms rss_kib" and the per-process RSS in $tmp/pod-rss.N
  local vm=$prefix-$1 t0 t_marker t_ready private log
  command podman volume create "$vm-data" >/dev/null
  truncate -s 64M "$(command podman volume inspect --format '{{.Mountpoint}}' "$vm-data")/disk.img"
  chown 107:107 "$(command podman volume inspect --format '{{.Mountpoint}}' "$vm-data")/disk.img"
  sed -e "s/@NAME@/$vm/g" -e "s|@GUEST@|$guest|" -e "s/@MEMORY@/$memory/" bench/vm_boot.vm.yaml >"$tmp/vm.yaml"
  "$converter" "$tmp/vm.yaml" --launcher-image "$launcher" \
    --podman-version "$(command podman version --format '{{.Client.Version}}')" >"$tmp/pod.yaml" 2>"$tmp/pod.err"
  grep '^kubevirt-vm-to-pod: before podman kube play, run: ' "$tmp/pod.err" |
    sed 's/^kubevirt-vm-to-pod: before podman kube play, run: //' | bash >/dev/null
  t0=$(now_ms)
  podman_ kube play "$tmp/pod.yaml" >/dev/null
  private=$(command podman volume inspect --format '{{.Mountpoint}}' "virt-launcher-$vm-private")
  log=
  for _ in $(seq 3000); do
    log=$(find "$private" -name virt-serial0-log 2>/dev/null | head -n1)
    [ -n "$log" ] && break
    sleep 0.05
  done
  t_marker=$(wait_text "$log" KVPOD-GUEST-BOOTED 300)
  t_ready=$(wait_text "$log" KVPOD-READY 300)
  rss_of_tree "$(command podman inspect --format '{{.State.Pid}}' "virt-launcher-$vm-compute")" | sort >"$tmp/pod-rss.$1"
  podman_ kube down "$tmp/pod.yaml" >/dev/null 2>&1
  command podman volume ls -q | grep -E "^(virt-launcher-)?$vm-" | xargs -r podman volume rm -f >/dev/null
  echo "$((t_marker - t0)) $((t_ready - t0)) $(awk '{ s += $2 } END { print s }' "$tmp/pod-rss.$1")"
}

echo "vm_boot bench: $rounds rounds, accel $accel, guest memory ${memory}Mi, launcher $launcher" >&2
: >"$tmp/direct.txt"
: >"$tmp/pod.txt"
for i in $(seq "$rounds"); do
  direct_round >>"$tmp/direct.txt"
  pod_round "$i" >>"$tmp/pod.txt"
  echo "round $i: direct $(tail -n1 "$tmp/direct.txt"), pod $(tail -n1 "$tmp/pod.txt") (ms ms KiB)" >&2
done

median() {  # median COLUMN FILE
  cut -d' ' -f"$1" "$2" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf '%-52s %12s %12s %10s\n' "what (median of $rounds, accel $accel)" "marker ms" "ready ms" "RSS MiB"
for row in direct pod; do
  label=$([ $row = direct ] && echo "qemu-system-x86_64 directly (run-qemu.sh)" || echo "podman kube play, real virt-launcher")
  printf '%-52s %12s %12s %10s\n' "$label" "$(median 1 "$tmp/$row.txt")" "$(median 2 "$tmp/$row.txt")" \
    "$(div "$(median 3 "$tmp/$row.txt")" 1024)"
done
printf '%-52s %12s %12s %10s\n' "pod / direct" \
  "$(div "$(median 1 "$tmp/pod.txt")" "$(median 1 "$tmp/direct.txt")")" \
  "$(div "$(median 2 "$tmp/pod.txt")" "$(median 2 "$tmp/direct.txt")")" \
  "$(div "$(median 3 "$tmp/pod.txt")" "$(median 3 "$tmp/direct.txt")")"
echo
echo "the pod's processes in the last round (RSS MiB):"
awk '{ r[$1] += $2 } END { for (n in r) printf "  %-24s %8.1f\n", n, r[n] / 1024 }' "$tmp/pod-rss.$rounds" | sort -k2 -rn
