#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds, once, a Debian 13 (trixie) root filesystem with Podman 5.x for the
# nested end-to-end tests, and prints the path of its tarball.
#
# The tarball is cached under $E2E_CACHE_DIR (default /var/tmp/kvpod-e2e-cache)
# as trixie-podman5-<key>.tar, the key a hash of SUITE, PACKAGES and FORMAT
# below, so changing them makes a new one; next to it, .libs lists the shared
# libraries it has (run.sh uses it to lend the host's copies of libraries
# trixie lacks).
# Parallel callers wait on a lock for the one that builds.
#
# Environment: E2E_CACHE_DIR, E2E_DEBIAN_MIRROR (default: the Debian mirror in
# this machine's /etc/apt/sources.list*, else http://deb.debian.org/debian).
set -euo pipefail

# minbase + what the tests need: podman (pulls conmon, netavark, containers-
# common), runc (our containers.conf's runtime), catatonit (Podman's pause
# image), nftables (netavark's firewall, for tests that use a network),
# busybox-static (the test image), python3-minimal (the syslog listener), jq,
# libpci3 (the hook dlopen()s libpci for PCI passthrough, so ldd cannot see it).
PACKAGES=podman,runc,catatonit,nftables,busybox-static,python3-minimal,jq,libpci3
SUITE=trixie
# Bump when what is done to the tree after debootstrap changes.
FORMAT=1

cache=${E2E_CACHE_DIR:-/var/tmp/kvpod-e2e-cache}
key=$(echo "$SUITE $PACKAGES $FORMAT" | sha256sum | cut -c1-12)
tarball=$cache/$SUITE-podman5-$key.tar

# shellcheck source=debian_mirror.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian_mirror.sh"

if [ -s "$tarball" ] && [ -s "$tarball.libs" ]; then
    echo "$tarball"
    exit 0
fi

mkdir -p "$cache"
exec {lock}>"$cache/.lock"
flock "$lock"
if [ -s "$tarball" ] && [ -s "$tarball.libs" ]; then  # built while we waited
    echo "$tarball"
    exit 0
fi

command -v debootstrap >/dev/null || { echo "rootfs.sh: debootstrap is not installed" >&2; exit 1; }
mirror=$(debian_mirror)
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
start=$(date +%s)
echo "rootfs.sh: debootstrap $SUITE from $mirror (this takes a few minutes)" >&2
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null
    exit 1
fi
bootstrapped=$(date +%s)

# Inside, Podman stores images with vfs: overlay on the outer container's
# overlay is not supported.
cat >"$root/etc/containers/storage.conf" <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
# What no test reads: downloaded packages, lists, docs, translations.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale
find "$root/usr/lib" "$root/lib" -name 'lib*.so*' -printf '%f\n' 2>/dev/null | sort -u >"$work/libs"
tar -C "$root" --numeric-owner -cf "$work/root.tar" .
mv "$work/libs" "$tarball.libs"
mv "$work/root.tar" "$tarball"
# Older builds of this script's rootfs are stale now.
find "$cache" -maxdepth 1 -name "$SUITE-podman5-*.tar*" ! -name "$(basename "$tarball")*" -delete
echo "rootfs.sh: debootstrap took $((bootstrapped - start)) s, total $(($(date +%s) - start)) s," \
    "tarball $(du -m "$tarball" | cut -f1) MiB" >&2
echo "$tarball"
