#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the shipped example, from a fresh Debian 12 machine (root):
#   1. installs the build dependencies and builds both programs (release);
#   2. converts contrib/examples/fedora-gpu.yaml into the Pod for `podman kube play`;
#   3. asks the hook what it would give that VM on this machine (`plan`);
#   4. does the same on a fake host with a Tesla T4 on vfio-pci (this repo's
#      test fixture), then runs the precreate hook there exactly as Podman
#      would, on a real Podman 4.3.1 config of the Pod's compute container,
#      and shows the devices, env and rlimits it added.
# Everything it writes goes under $DEMO_DIR (default /tmp/kubevirt-vm-to-pod-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-demo
out=${DEMO_DIR:-/tmp/kubevirt-vm-to-pod-demo}
vm=contrib/examples/fedora-gpu.yaml

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "installing build dependencies (contrib/setup-debian.sh)"
bash contrib/setup-debian.sh
say "building into $build (release)"
[ -d "$build" ] || meson setup "$build" --buildtype=release -Doptimization=s -Dtests=disabled >/dev/null
ninja -C "$build" >/dev/null
converter=$build/src/vm2pod/kubevirt-vm-to-pod
hook=$build/src/hook/oci-kubevirt-hook

rm -rf "$out"
mkdir -p "$out"

say "converting $vm -> $out/fedora-gpu.pod.yaml"
"$converter" "$vm" >"$out/fedora-gpu.pod.yaml"
"$converter" -o json "$vm" >"$out/fedora-gpu.pod.json"
jq -r '"pod \(.metadata.name): " + ([.spec.initContainers[]?, .spec.containers[]] | map(.name) | join(", "))' \
  "$out/fedora-gpu.pod.json"
echo "play it with: podman kube play $out/fedora-gpu.pod.yaml   (needs the hook installed, see README)"

say "what the hook would give this VM on this machine"
rc=0
"$hook" plan --config contrib/examples/hook.yaml "$vm" || rc=$?
[ "$rc" != 1 ] || echo "(this machine cannot run the VM as it is: the plan says why)"

say "a host with a Tesla T4 on vfio-pci (fake root: tests/fixtures/roots/nvidia-t4-vfio)"
sh tests/fixtures/roots/instantiate.sh nvidia-t4-vfio "$out/host"
mkdir -m 0700 "$out/state"
{ cat contrib/examples/hook.yaml; printf 'allocation:\n  stateDir: %s\n' "$out/state"; } >"$out/hook.yaml"
"$hook" plan --host-root "$out/host" --config "$out/hook.yaml" "$vm"

say "the precreate hook as Podman runs it, on the compute container's config"
# Podman 4.3.1's config for a kube-play compute container, given this Pod's
# STANDALONE_VMI, as `podman kube play` would pass it on stdin.
vmi=$(jq -r '.spec.containers[] | select(.name == "compute") | .env[] | select(.name == "STANDALONE_VMI") | .value' \
  "$out/fedora-gpu.pod.json")
jq --arg vmi "$vmi" '.process.env = ([.process.env[] | select(startswith("STANDALONE_VMI=") | not)] + ["STANDALONE_VMI=" + $vmi])
    | .annotations["kubevirt-vm-to-pod/vm"] = "fedora-gpu"' \
  tests/data/podman-configs/kube-play-compute-container.json >"$out/config.in.json"
"$hook" --log-stderr --host-root "$out/host" --config "$out/hook.yaml" <"$out/config.in.json" >"$out/config.out.json"
jq -r '"devices added:", (.linux.devices[] | "  \(.path) (\(.type) \(.major):\(.minor)) uid \(.uid) gid \(.gid)"),
       "env added:", (.process.env[] | select(startswith("PCI_RESOURCE_")) | "  " + .),
       "rlimits:", (.process.rlimits[] | "  \(.type) \(.soft)")' "$out/config.out.json"
say "done: outputs in $out"
