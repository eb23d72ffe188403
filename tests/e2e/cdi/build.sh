#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds, once, a local container image of CDI's importer (cdi-importer, the
# program that fills a DataVolume's PVC inside a cluster) from the upstream
# source tarball, and prints its name.
#
#   img=$(tests/e2e/cdi/build.sh)             # localhost/kvpod-cdi-importer:v1.64.0-<key>
#   tar=$(tests/e2e/cdi/build.sh --tarball)   # the image's root filesystem tarball
#
# Stdout: the image name (or, with --tarball, the tarball's path) and nothing
# else; progress and times go to stderr. Exit status: 0, 77 when it cannot run
# here (no source tarball, not root, no debootstrap or podman; --tarball with
# E2E_IMPORTER_IMAGE), 1 on a failed build, 2 on a bad argument.
#
# Source: ../shared/upstream/containerized-data-importer-$VERSION.tar.xz beside
# the repository. cdi-importer and cdi-containerimage-server (what CDI's
# pullMethod: node serves an image's disk with) are built in a Debian 13
# (trixie) minbase chroot with Debian's Go 1.24. The stored tree lacks one
# vendored file, go-sqlite3's SQLite amalgamation: the build links Debian's
# libsqlite3 instead (build tag libsqlite3). The image is a second trixie
# minbase tree with Debian's counterparts of rpm-deps.sh's cdi_importer list
# (qemu-img, nbdkit with its curl plugin and filters, libnbd), laid out as
# cmd/cdi-importer/BUILD.bazel lays out upstream's image: the binaries in
# /usr/bin, entrypoint cdi-importer -alsologtostderr, user 1001. Not built:
# the oVirt, OpenStack and VDDK parts (sources kubevirt-vm-to-pod refuses).
#
# Cache, under $E2E_CACHE_DIR (default /var/tmp/kvpod-e2e-cache):
#   cdi-importer-$VERSION-<key>.tar          the image's root filesystem
#   cdi-importer-$VERSION-<key>.tar.changes  its `podman import --change` values
#   cdi-importer-$VERSION-<key>.tar.packages the Debian packages in it
#   cdi-importer-$VERSION-bin-<bkey>/        the built binaries
#   cdi-importer-gocache/                    Go's build cache (kept across keys)
# <bkey> hashes the source tarball, SUITE, BUILD_PACKAGES and BUILD_FORMAT;
# <key> hashes <bkey>, IMAGE_PACKAGES and FORMAT. A new key deletes the old
# files and images of this script. Parallel callers wait on a lock.
#
# Environment: E2E_CACHE_DIR; E2E_DEBIAN_MIRROR; E2E_IMPORTER_IMAGE: an image
# to use instead (quay.io/kubevirt/cdi-importer:v1.64.0 where a registry is
# reachable): printed as it is, nothing built.
set -euo pipefail

VERSION=v1.64.0
SUITE=trixie
# cgo: go-sqlite3 (with Debian's libsqlite3) and libguestfs.org/libnbd.
BUILD_PACKAGES="golang-1.24-go gcc libc6-dev pkg-config libsqlite3-dev libnbd-dev"
BUILD_FORMAT=1
# rpm-deps.sh's cdi_importer (x86_64), in Debian 13: libnbd (libnbd0),
# nbdkit-server, its basic, xz and gzip filters and its curl plugin (all in
# Debian's nbdkit), qemu-img (qemu-utils), sqlite-libs (libsqlite3-0);
# centos_base's ca-certificates, curl, acl, util-linux-core (util-linux),
# coreutils and tar; bash, which upstream's base has too (CDI runs `sh -c` in
# it).
IMAGE_PACKAGES="libnbd0 nbdkit qemu-utils libsqlite3-0 ca-certificates curl acl util-linux
coreutils tar bash"
FORMAT=1
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMPORT_CHANGES=(
    'ENTRYPOINT ["/usr/bin/cdi-importer", "-alsologtostderr"]'
    "ENV PATH=$IMAGE_PATH"
    'USER 1001'
)

me=cdi/build.sh
mode=image
case ${1:-} in
"") ;;
--tarball) mode=tarball ;;
*) echo "usage: $0 [--tarball]" >&2; exit 2 ;;
esac

if [ -n "${E2E_IMPORTER_IMAGE:-}" ]; then
    if [ "$mode" = tarball ]; then
        echo "$me: E2E_IMPORTER_IMAGE=$E2E_IMPORTER_IMAGE is set: no tarball to print (podman save it)" >&2
        exit 77
    fi
    echo "$E2E_IMPORTER_IMAGE"
    exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source=$repo/../shared/upstream/containerized-data-importer-$VERSION.tar.xz
if [ ! -r "$source" ]; then
    echo "$me: no CDI source: $source is missing" >&2
    exit 77
fi
[ "$(id -u)" = 0 ] || { echo "$me: needs root (debootstrap, chroot)" >&2; exit 77; }
if [ "$mode" = image ] && ! command -v podman >/dev/null; then
    echo "$me: podman is not installed" >&2
    exit 77
fi

cache=${E2E_CACHE_DIR:-/var/tmp/kvpod-e2e-cache}
source_sum=$(sha256sum "$source" | cut -c1-64)
bkey=$(echo "$source_sum $SUITE $BUILD_PACKAGES $BUILD_FORMAT" | sha256sum | cut -c1-12)
# shellcheck disable=SC2086  # unquoted: the key ignores how the list is wrapped
key=$(echo "$bkey" $IMAGE_PACKAGES "$FORMAT" "${IMPORT_CHANGES[*]}" | sha256sum | cut -c1-12)
bindir=$cache/cdi-importer-$VERSION-bin-$bkey
tarball=$cache/cdi-importer-$VERSION-$key.tar
image=localhost/kvpod-cdi-importer:$VERSION-$key
gocache=$cache/cdi-importer-gocache

# shellcheck source=../debian/upstream_image.sh
. "$here/../debian/upstream_image.sh"

build_binaries() {
    # upstream: go_binary in cmd/cdi-importer (cgo: go-sqlite3) and
    # tools/cdi-containerimage-server (pure = "on").
    go_build_in "$1" '
        CGO_ENABLED=1 nice -n 10 go build -p 2 -trimpath -tags libsqlite3 -ldflags="-s -w" -o /out/ \
            ./cmd/cdi-importer &&
        CGO_ENABLED=0 nice -n 10 go build -p 2 -trimpath -ldflags="-s -w" -o /out/ \
            ./tools/cdi-containerimage-server'
}

lay_out_image() {
    local root=$1 plugins f
    # The http source runs nbdkit's curl plugin (pkg/image/nbdkit.go).
    plugins=$root/usr/lib/x86_64-linux-gnu/nbdkit/plugins
    [ -e "$plugins/nbdkit-curl-plugin.so" ] || { echo "$me: nbdkit has no curl plugin in $plugins" >&2; exit 1; }
    for f in cdi-importer cdi-containerimage-server; do
        install -m 0755 "$bindir/$f" "$root/usr/bin/$f"
    done
    in_root "$root" useradd -r -u 1001 -M -d / -s /sbin/nologin importer
}

tar_options=()
upstream_image_build cdi-importer cdi-importer 6
