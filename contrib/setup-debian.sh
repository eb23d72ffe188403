#!/usr/bin/env bash
# Installs what building and testing kubevirt-vm-to-pod needs on Debian 12
# (bookworm) or 13 (trixie). Idempotent; run as root.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config
  # meson compiles through ccache when it is installed: a second run rebuilds in seconds
  ccache
  nlohmann-json3-dev libyaml-dev libpci-dev libseccomp-dev nettle-dev zlib1g-dev libpng-dev
  # tests
  doctest-dev libvalijson-dev python3
  # the scripts the Pod runs (src/core/kubevirt/*.sh) are checked with shellcheck
  shellcheck
  # end-to-end tests: real Podman with runc, a busybox test image, a syslog listener
  podman runc busybox-static jq
  # the nested Podman 5.4 (Debian 13) test environment, and the trixie chroot
  # that builds KubeVirt's virt-launcher from source (tests/e2e/launcher)
  debootstrap
  # the test guest (tests/e2e/guest): a syslinux FAT disk made without a loop
  # device, a busybox initramfs; QEMU runs it directly for the boot benchmark
  # and check-qemu.sh, under SeaBIOS and OVMF, with swtpm's TPM
  syslinux syslinux-common mtools dosfstools cpio xz-utils genisoimage qemu-system-x86 qemu-utils curl
  ovmf swtpm
  # a real VNC client (gtk-vnc's gvnccapture) and Pillow to compare its capture with screenshot's
  gvncviewer python3-pil
  # sanitizers and fuzzers
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup-debian: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
