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
# Parallel callers wait on a lock for the one that builds (debian/rootfs_cache.sh).
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

# shellcheck source=../debian/rootfs_cache.sh
. "$(dirname "${BASH_SOURCE[0]}")/../debian/rootfs_cache.sh"

# Inside, Podman stores images with vfs: overlay on the outer container's
# overlay is not supported.
customise_tree() {
    cat >"$1/etc/containers/storage.conf" <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
}

debian_rootfs_cached "$tarball" "$cache/.lock" "$SUITE" "$PACKAGES" customise_tree
