# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The benchmark's inputs, shared by bench/run.sh (wall time) and
# bench/instructions.sh (instruction counts). Source it from the repository
# root, then bench_build_release, and bench_make_inputs DIR [FUNCTION-COUNTS...]
# (default 8 512 4096).
# Writes DIR/compute.json, DIR/ignored.json, DIR/hook.yaml (allocation state
# in DIR/state) and DIR/host-N for each N.

# bench_build_release: builds ./build-release (release, optimized for size as
# the README's install does, no tests) and sets build, hook, converter and
# floor to it and its programs.
bench_build_release() {
  build=$PWD/build-release
  if [ ! -d "$build" ]; then
    meson setup "$build" --buildtype=release -Doptimization=s -Dtests=disabled >/dev/null
  else
    meson configure "$build" -Dbuildtype=release -Doptimization=s -Dtests=disabled >/dev/null
  fi
  ninja -C "$build" >/dev/null
  hook=$build/src/hook/oci-kubevirt-hook
  converter=$build/src/vm2pod/kubevirt-vm-to-pod
  floor=$build/bench/floor-cat
}

# Podman 4.3.1's own configs (tests/data/podman-configs) with our annotation;
# the compute container carries the VM in STANDALONE_VMI. Compact, as Podman
# writes them to a hook's stdin (containers/common's RuntimeConfigFilter:
# json.Marshal), not pretty-printed as stored.
bench_make_inputs() {
  local dir=$1
  shift
  local counts=("$@")
  [ ${#counts[@]} -gt 0 ] || counts=(8 512 4096)
  mkdir -p "$dir/state"
  local vm='{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"bench"},
 "spec":{"domain":{"resources":{"requests":{"memory":"4Gi"}},"devices":{
   "interfaces":[{"name":"default","passtBinding":{}}],
   "gpus":[{"name":"gpu1","deviceName":"nvidia.com/TU104GL_Tesla_T4"},{"name":"gpu2","deviceName":"nvidia.com/TU104GL_Tesla_T4"}],
   "hostDevices":[{"name":"vf1","deviceName":"mellanox.com/MT28800_VF"}]}}},
 "status":{"runtimeUser":107}}'
  jq -c --argjson vm "$vm" '.annotations["kubevirt-vm-to-pod/vm"] = "bench" | del(.annotations["io.kubevirt.vm"])
      | .process.env = ([.process.env[] | select(startswith("STANDALONE_VMI=") | not)] + ["STANDALONE_VMI=" + ($vm | tostring)])' \
    tests/data/podman-configs/kube-play-compute-container.json >"$dir/compute.json"
  jq -c '.annotations["kubevirt-vm-to-pod/vm"] = "bench" | del(.annotations["io.kubevirt.vm"])' \
    tests/data/podman-configs/kube-play-sidecar-container.json >"$dir/ignored.json"
  cat >"$dir/hook.yaml" <<YAML
permittedHostDevices:
  pciHostDevices:
  - pciVendorSelector: "10DE:1EB8"
    resourceName: nvidia.com/TU104GL_Tesla_T4
  - pciVendorSelector: "15B3:1018"
    resourceName: mellanox.com/MT28800_VF
allocation:
  stateDir: $dir/state
YAML
  local n dest type major minor path mode
  for n in "${counts[@]}"; do
    dest=$dir/host-$n
    python3 bench/sriov_host.py "$n" "$dest" >/dev/null
    grep -v '^#' "$dest/dev.list" | while read -r type major minor path mode; do
      [ -n "$type" ] || continue
      mkdir -p "$dest$(dirname "$path")"
      mknod -m "${mode:-0666}" "$dest$path" "$type" "$major" "$minor"
    done
  done
}
