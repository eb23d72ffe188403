#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copies what oci-kubevirt-hook reads of this host (PCI sysfs, IOMMU groups,
# mediated devices, /proc/devices, /proc/driver/nvidia*, and the numbers of
# the device nodes it hands out) into DEST, in the layout of
# tests/fixtures/roots: `oci-kubevirt-hook --host-root DEST plan VM` then
# answers as it does here, on any machine. Attach DEST to a bug report, or
# turn it into a test fixture. Device nodes are listed in DEST/dev.list, not
# made (tests/fixtures/roots/instantiate.sh makes them); config space is cut
# to its first 64 bytes (the standard header); nothing else is read.
# Usage: capture-host-root.sh [--from ROOT] DEST
#   as root, to read config space; --from captures a host root other than /
#   (the tests capture their fake roots and compare the plans).
set -euo pipefail
src=""
if [ "${1:-}" = --from ]; then
  src=$(cd "${2:?--from needs a directory}" && pwd)
  [ "$src" != / ] || src=""
  shift 2
fi
dest=${1:?usage: capture-host-root.sh [--from ROOT] DEST}
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "capture-host-root.sh: $dest is not empty" >&2
  exit 2
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# Paths below are the host's (/sys/...); $src prefixes reads, $dest writes.
# A host may have thousands of PCI functions (SR-IOV): text files are read
# with bash's own `read`, links are collected and copied by one `cp`.
declare -A made_dir=()
links=()
ensure_dir() {  # DIR (host path) under $dest
  [ -n "${made_dir[$1]:-}" ] || { mkdir -p "$dest$1"; made_dir[$1]=1; }
}
copy_file() {  # PATH: a regular text file (sysfs/procfs sizes lie; no NUL bytes)
  [ -f "$src$1" ] && [ -r "$src$1" ] || return 0
  local text=""
  IFS= read -r -d '' text <"$src$1" 2>/dev/null || true
  ensure_dir "${1%/*}"
  printf '%s' "$text" >"$dest$1"
}
copy_link() {  # PATH: a symlink, kept relative as the kernel makes it
  [ -L "$src$1" ] && links+=("${1#/}")
  return 0
}

shopt -s nullglob
declare -A seen_dir=()
capture_function() {  # DIR: the /sys/devices/... directory of a PCI function or bridge
  local dir=$1 f attr
  [ -z "${seen_dir[$dir]:-}" ] || return 0
  seen_dir[$dir]=1
  ensure_dir "$dir"
  for f in vendor device class subsystem_vendor subsystem_device revision numa_node \
           local_cpulist sriov_totalvfs sriov_numvfs; do
    copy_file "$dir/$f"
  done
  [ ! -r "$src$dir/config" ] || head -c 64 "$src$dir/config" >"$dest$dir/config"
  for f in driver iommu_group physfn; do copy_link "$dir/$f"; done
  for f in "$src$dir"/virtfn*; do copy_link "${f#"$src"}"; done
  for f in "$src$dir"/drm/*/dev "$src$dir"/vfio-dev/*/dev; do copy_file "${f#"$src"}"; done
  for f in "$src$dir"/mdev_supported_types/*; do
    for attr in name available_instances device_api description; do copy_file "${f#"$src"}/$attr"; done
  done
  for f in "$src$dir"/*-*-*-*-*; do  # mediated devices (UUIDs) created on it
    for attr in mdev_type iommu_group driver; do copy_link "${f#"$src"}/$attr"; done
  done
}

for link in "$src"/sys/bus/pci/devices/*; do
  link=${link#"$src"}
  copy_link "$link"
  dir=$(readlink -f "$src$link")
  dir=${dir#"$src"}
  capture_function "$dir"
  parent=${dir%/*}
  while [ -f "$src$parent/vendor" ]; do  # the bridges and ports above it
    capture_function "$parent"
    parent=${parent%/*}
  done
done
for link in "$src"/sys/bus/pci/drivers/*/*:* "$src"/sys/kernel/iommu_groups/*/devices/* \
            "$src"/sys/bus/mdev/devices/* "$src"/sys/class/mdev_bus/*; do
  copy_link "${link#"$src"}"
done
if [ "${#links[@]}" -gt 0 ]; then
  printf '%s\0' "${links[@]}" | (cd "${src:-/}" && xargs -0 cp -P --parents -t "$dest/")
fi
shopt -u nullglob

# The host's names for its own vendors (the hook names NVIDIA resources after
# them), from the pci.ids the hook would read, cut to those vendors' blocks.
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
  [ -f "$src$ids" ] || continue
  vendors=$(find "$dest/sys/devices" -name vendor -type f -exec cat {} + 2>/dev/null |
            sed 's/^0x//' | sort -u | tr '\n' ' ')
  mkdir -p "$dest$(dirname "$ids")"
  awk -v vendors=" $vendors" '
    /^#/ && !started { print; next }                  # the header: version and licence
    /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { started = 1; keep = index(vendors, " " substr($0, 1, 4) " ") > 0 }
    /^C / { keep = 0 }                                # device classes follow the vendors
    keep' "$src$ids" >"$dest$ids"
  break
done

copy_file /proc/devices
while read -r f; do copy_file "${f#"$src"}"; done < <(
  find "$src/proc/driver/nvidia" "$src/proc/driver/nvidia-caps" -type f 2>/dev/null || true)

{
  echo "# Device nodes of this root: type major minor path [mode], as captured"
  echo "# by contrib/capture-host-root.sh; instantiate.sh makes them."
  { find "$src/dev/kvm" "$src/dev/net/tun" "$src/dev/vhost-net" "$src/dev/vfio" "$src/dev/iommu" \
         "$src/dev/kfd" "$src/dev/dri" "$src"/dev/nvidia* \( -type c -o -type b \) -print0 2>/dev/null || true; } |
    sort -zu | xargs -0 -r stat -c '%F|%Hr|%Lr|%a|%n' |
    awk -F'|' -v src="$src" '{ if (index($5, src) == 1) $5 = substr($5, length(src) + 1)
      printf "%s %s %s %s 0%s\n", ($1 ~ /^block/ ? "b" : "c"), $2, $3, $5, $4 }'
} >"$dest/dev.list"
echo "captured $(ls "$dest/sys/bus/pci/devices" 2>/dev/null | wc -l) PCI functions and" \
     "$(($(wc -l <"$dest/dev.list") - 2)) device nodes into $dest"
