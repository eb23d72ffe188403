#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds, once, a Debian root filesystem whose PID 1 can be systemd, with
# Podman, for vm_systemd.sh: the per-VM units `kubevirt-vm-to-pod install`
# writes run there under a real systemd (and, on trixie, Podman's real
# Quadlet generator). Prints the path of its tarball.
#
#   rootfs.sh trixie      Debian 13, Podman 5.x, Quadlet
#   rootfs.sh bookworm    Debian 12, Podman 4.3.1, plain units
#
# Cached under $E2E_CACHE_DIR (default /var/tmp/kvpod-e2e-cache) as
# SUITE-systemd-<key>.tar, the key a hash of the suite, its package list and
# FORMAT below (podman5/rootfs.sh's trixie tree, which has no systemd, keeps
# its own key); next to it, .libs lists the shared libraries it has.
# Parallel callers wait on a lock for the one that builds (debian/rootfs_cache.sh).
#
# Environment: E2E_CACHE_DIR, E2E_DEBIAN_MIRROR (see podman5/debian_mirror.sh).
set -euo pipefail

SUITE=${1:-}
# systemd and dbus (PID 1 and the bus Podman's systemd cgroup manager talks
# to), podman with runc (crun 1.8.1 fails on this machine's hybrid cgroups)
# and catatonit (the pause image), the firewall netavark drives (nftables
# from netavark 1.13, iptables before), jq (lib.sh), libpci3 (the hook
# dlopen()s it), procps (ps for diagnostics).
case $SUITE in
trixie) PACKAGES=systemd,dbus,podman,runc,catatonit,nftables,jq,libpci3,procps ;;
bookworm) PACKAGES=systemd,dbus,podman,runc,catatonit,netavark,aardvark-dns,iptables,jq,libpci3,procps ;;
*)
    echo "usage: rootfs.sh trixie|bookworm" >&2
    exit 2
    ;;
esac
# Bump when what is done to the tree after debootstrap changes.
FORMAT=1

cache=${E2E_CACHE_DIR:-/var/tmp/kvpod-e2e-cache}
key=$(echo "systemd $SUITE $PACKAGES $FORMAT" | sha256sum | cut -c1-12)
tarball=$cache/$SUITE-systemd-$key.tar

# shellcheck source=../debian/rootfs_cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/../debian/rootfs_cache.sh"

customise_tree() {
    local root=$1 unit
    # Podman's storage is a directory of the host that vm_systemd.sh mounts at
    # /var/lib/containers, so overlay works (not on the container's overlay).
    cat >"$root/etc/containers/storage.conf" <<'EOF'
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
    # A container has no consoles, udev or time to sync: what would only fail or
    # wait at boot is masked.
    for unit in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
        systemd-timesyncd.service systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
        e2scrub_all.timer fstrim.timer; do
        ln -sf /dev/null "$root/etc/systemd/system/$unit"
    done
    # network-online.target (the units want it) is reached without a network manager.
    : >"$root/etc/machine-id"
}

debian_rootfs_cached "$tarball" "$cache/.systemd-$SUITE.lock" "$SUITE" "$PACKAGES" customise_tree "$SUITE with systemd"
