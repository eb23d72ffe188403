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

# shellcheck source=../podman5/debian_mirror.sh
. "$here/../podman5/debian_mirror.sh"

built() { [ -s "$tarball" ] && [ -s "$tarball.changes" ] && [ -s "$tarball.packages" ]; }

done_if_ready() {
    if [ "$mode" = tarball ] && built; then
        echo "$tarball"
        exit 0
    fi
    if [ "$mode" = image ] && podman image exists "$image"; then
        echo "$image"
        exit 0
    fi
}

done_if_ready
mkdir -p "$cache"
exec {lock}>"$cache/.cdi-importer.lock"
flock "$lock"
done_if_ready

# in_root ROOT COMMAND...: COMMAND chrooted in ROOT with /proc, in a mount
# namespace of its own; $bind, if set, is bind-mounted on ROOT/gocache.
in_root() {
    local root=$1
    shift
    # shellcheck disable=SC2016  # expanded by the inner sh
    unshare --mount --propagation private -- /bin/sh -c '
        root=$1 bind=$2; shift 2
        mount -t proc proc "$root/proc" || exit
        if [ -n "$bind" ]; then mkdir -p "$root/gocache" && mount --bind "$bind" "$root/gocache" || exit; fi
        exec chroot "$root" /usr/bin/env -i LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive \
            PATH=/usr/lib/go-1.24/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"' sh "$root" "${bind:-}" "$@"
}

apt_install() {
    local root=$1 log=$2
    shift 2
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    if ! in_root "$root" apt-get update -q >"$log" 2>&1 ||
        ! in_root "$root" apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        return 1
    fi
    rm -f "$root/usr/sbin/policy-rc.d"
}

need_build=1
built && need_build=0
if [ "$need_build" = 1 ]; then
    for tool in debootstrap unshare; do
        command -v "$tool" >/dev/null || { echo "$me: $tool is not installed" >&2; exit 77; }
    done
fi

work=
cleanup() {
    [ -n "$work" ] || return 0
    awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
    if awk -v w="$work/" 'index($2, w) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
        echo "$me: $work is still mounted on; left it" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
now() { date +%s; }
phase() { echo "$me: $1 took $(($(now) - $2)) s" >&2; }

if [ "$need_build" = 1 ]; then
    mirror=$(debian_mirror)
    work=$(mktemp -d "$cache/cdi-importer-build.XXXXXX")
    start=$(now)
    echo "$me: building $image from $(basename "$source") (debootstrap $SUITE from $mirror; about 6 minutes)" >&2

    t=$(now)
    if ! unshare --mount --propagation private -- \
        debootstrap --variant=minbase "$SUITE" "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        exit 1
    fi
    phase "debootstrap (minbase)" "$t"

    if [ ! -s "$bindir/cdi-importer" ]; then
        builder=$work/builder
        t=$(now)
        cp -a "$work/base" "$builder"
        # shellcheck disable=SC2086  # a list of names
        apt_install "$builder" "$work/apt-build.log" $BUILD_PACKAGES
        phase "apt-get (build packages)" "$t"

        t=$(now)
        mkdir -p "$builder/src" "$builder/out" "$gocache"
        tar -C "$builder/src" --strip-components=1 -xJf "$source"
        # upstream: go_binary in cmd/cdi-importer (cgo: go-sqlite3) and
        # tools/cdi-containerimage-server (pure = "on").
        if ! bind=$gocache in_root "$builder" /bin/sh -c '
            cd /src &&
            export GOCACHE=/gocache GOPATH=/tmp/go GOFLAGS=-mod=vendor GOTOOLCHAIN=local &&
            CGO_ENABLED=1 nice -n 10 go build -p 2 -trimpath -tags libsqlite3 -ldflags="-s -w" -o /out/ \
                ./cmd/cdi-importer &&
            CGO_ENABLED=0 nice -n 10 go build -p 2 -trimpath -ldflags="-s -w" -o /out/ \
                ./tools/cdi-containerimage-server' \
            >"$work/go-build.log" 2>&1; then
            tail -n 40 "$work/go-build.log" >&2
            exit 1
        fi
        rm -rf "$bindir.new"
        mv "$builder/out" "$bindir.new"
        mv "$bindir.new" "$bindir"
        find "$cache" -maxdepth 1 -name "cdi-importer-$VERSION-bin-*" ! -name "$(basename "$bindir")" -exec rm -rf {} +
        rm -rf "$builder"
        phase "go build (binaries $(du -sm "$bindir" | cut -f1) MiB, Go cache $(du -sm "$gocache" | cut -f1) MiB)" "$t"
    fi

    root=$work/base
    t=$(now)
    # shellcheck disable=SC2086  # a list of names
    apt_install "$root" "$work/apt-image.log" $IMAGE_PACKAGES
    phase "apt-get (image packages)" "$t"

    t=$(now)
    # The http source runs nbdkit's curl plugin (pkg/image/nbdkit.go).
    plugins=$root/usr/lib/x86_64-linux-gnu/nbdkit/plugins
    [ -e "$plugins/nbdkit-curl-plugin.so" ] || { echo "$me: nbdkit has no curl plugin in $plugins" >&2; exit 1; }
    for f in cdi-importer cdi-containerimage-server; do
        install -m 0755 "$bindir/$f" "$root/usr/bin/$f"
    done
    in_root "$root" useradd -r -u 1001 -M -d / -s /sbin/nologin importer
    # shellcheck disable=SC2016  # dpkg-query's format
    in_root "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$work/packages"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale \
        "$root"/var/log/apt "$root"/var/log/dpkg.log "$root"/var/log/alternatives.log "$root"/var/cache/debconf/*-old \
        "$root"/debootstrap
    : >"$root/etc/resolv.conf"
    echo localhost >"$root/etc/hostname"
    phase "image layout ($(du -sm "$root" | cut -f1) MiB tree)" "$t"

    t=$(now)
    tar -C "$root" --numeric-owner -cf "$work/root.tar" .
    printf '%s\n' "${IMPORT_CHANGES[@]}" >"$work/changes"
    mv "$work/packages" "$tarball.packages"
    mv "$work/changes" "$tarball.changes"
    mv "$work/root.tar" "$tarball"
    find "$cache" -maxdepth 1 -name "cdi-importer-$VERSION-*.tar*" ! -name "$(basename "$tarball")*" -delete
    phase "tar ($(du -m "$tarball" | cut -f1) MiB)" "$t"
    echo "$me: built in $(($(now) - start)) s" >&2
fi

if [ "$mode" = tarball ]; then
    echo "$tarball"
    exit 0
fi

t=$(now)
import_args=()
for change in "${IMPORT_CHANGES[@]}"; do
    import_args+=(--change "$change")
done
if ! podman import "${import_args[@]}" "$tarball" "$image" >"$cache/.cdi-importer-import.log" 2>&1; then
    cat "$cache/.cdi-importer-import.log" >&2
    exit 1
fi
rm -f "$cache/.cdi-importer-import.log"
phase "podman import" "$t"
podman images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/kvpod-cdi-importer |
    grep -vxF "$image" | xargs -r podman rmi >/dev/null 2>&1 || true
echo "$image"
