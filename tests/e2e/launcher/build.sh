#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds, once, a local container image of KubeVirt's virt-launcher from the
# upstream source tarball, and prints its name.
#
#   img=$(tests/e2e/launcher/build.sh)             # localhost/kvpod-virt-launcher:v1.8.4-<key>
#   tar=$(tests/e2e/launcher/build.sh --tarball)   # the image's root filesystem tarball
#
# Stdout: the image name (or, with --tarball, the tarball's path) and nothing
# else; progress and times go to stderr. Exit status: 0, 77 when it cannot run
# here (no source tarball, not root, no debootstrap or podman; --tarball with
# E2E_LAUNCHER_IMAGE), 1 on a failed build, 2 on a bad argument.
#
# Source: ../shared/upstream/kubevirt-$VERSION.tar.xz beside the repository.
# The Go binaries (virt-launcher, virt-launcher-monitor, virt-tail, virt-probe,
# virt-freezer, libvirt-hook-client) and the C container-disk are built in a
# Debian 13 (trixie) minbase chroot (debootstrap) with Debian's Go 1.24; the
# image is a second trixie minbase tree with Debian's libvirt and QEMU in
# place of upstream's CentOS Stream RPMs, laid out as cmd/virt-launcher/
# BUILD.bazel lays out upstream's image. tests/e2e/README.md ("The launcher
# image") lists every difference from upstream's image.
#
# Cache, under $E2E_CACHE_DIR (default /var/tmp/kvpod-e2e-cache):
#   virt-launcher-$VERSION-<key>.tar          the image's root filesystem
#   virt-launcher-$VERSION-<key>.tar.changes  its `podman import --change`
#                                             values, one a line
#   virt-launcher-$VERSION-<key>.tar.packages the Debian packages in it
#   virt-launcher-$VERSION-bin-<bkey>/        the built binaries
#   virt-launcher-gocache/                    Go's build cache (kept across keys)
# <bkey> hashes the source tarball, SUITE, BUILD_PACKAGES and BUILD_FORMAT;
# <key> hashes <bkey>, IMAGE_PACKAGES and FORMAT. A new key deletes the old
# files and images of this script. Parallel callers wait on a lock for the one
# that builds. To import the tarball elsewhere (the nested Podman 5 tests):
#   mapfile -t changes <"$tar.changes"
#   podman import "${changes[@]/#/--change=}" "$tar" NAME
#
# Environment: E2E_CACHE_DIR; E2E_DEBIAN_MIRROR (default: the Debian mirror in
# this machine's /etc/apt/sources.list*, else http://deb.debian.org/debian);
# E2E_LAUNCHER_IMAGE: an image to use instead (one pulled from a registry,
# say): printed as it is, nothing built (with --tarball: exit 77, there is no
# tarball of it).
set -euo pipefail

VERSION=v1.8.4
SUITE=trixie
# What the build needs: Go 1.24 (go.mod says 1.24.0; bookworm has 1.19), cgo
# for libvirt.org/go/libvirt and libguestfs.org/libnbd, static glibc for
# container-disk.
BUILD_PACKAGES="golang-1.24-go libvirt-dev libnbd-dev gcc libc6-dev pkg-config"
# Bump when the build commands change.
BUILD_FORMAT=1
# Debian 13's counterparts of hack/rpm-deps.sh's launcherbase (x86_64):
# libvirt-client + libvirt-daemon-driver-qemu (+ libvirt-daemon: Debian's
# libvirtd stands in for virtqemud), qemu-kvm-core and its device modules
# (qemu-system-x86 has usb-host, usb-redirect and the virtio-gpu displays),
# qemu-img (qemu-utils), passt, swtpm-tools, edk2-ovmf (ovmf), seabios (and
# ipxe-qemu for upstream's ipxe-roms-qemu, a dependency there), nftables, nmap-ncat
# (ncat), procps-ng (procps), findutils, tar, virtiofsd, xorriso, libnbd; from
# centos_main: acl, curl-minimal (curl), vim-minimal (vim-tiny); and
# ca-certificates, which upstream's distroless base has.
IMAGE_PACKAGES="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
passt ovmf seabios ipxe-qemu swtpm-tools nftables ncat procps findutils tar xorriso libnbd0 virtiofsd
acl curl vim-tiny ca-certificates"
# Bump when what is done to the image tree after apt-get changes.
FORMAT=3
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Upstream's image: entrypoint from BUILD.bazel, environment from its base
# (gcr.io/distroless/base-debian12), user unset (root).
IMPORT_CHANGES=(
    'ENTRYPOINT ["/usr/bin/virt-launcher"]'
    "ENV PATH=$IMAGE_PATH"
    'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'
)

me=build.sh
mode=image
case ${1:-} in
"") ;;
--tarball) mode=tarball ;;
*) echo "usage: $0 [--tarball]" >&2; exit 2 ;;
esac

if [ -n "${E2E_LAUNCHER_IMAGE:-}" ]; then
    if [ "$mode" = tarball ]; then
        echo "$me: E2E_LAUNCHER_IMAGE=$E2E_LAUNCHER_IMAGE is set: no tarball to print (podman save it)" >&2
        exit 77
    fi
    echo "$E2E_LAUNCHER_IMAGE"
    exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source=$repo/../shared/upstream/kubevirt-$VERSION.tar.xz
if [ ! -r "$source" ]; then
    echo "$me: no KubeVirt source: $source is missing" >&2
    exit 77
fi
[ "$(id -u)" = 0 ] || { echo "$me: needs root (debootstrap, chroot)" >&2; exit 77; }
if [ "$mode" = image ] && ! command -v podman >/dev/null; then
    echo "$me: podman is not installed" >&2
    exit 77
fi

cache=${E2E_CACHE_DIR:-/var/tmp/kvpod-e2e-cache}
source_sum=$(sha256sum "$source" | cut -c1-64)  # 13 MB: 0.04 s
bkey=$(echo "$source_sum $SUITE $BUILD_PACKAGES $BUILD_FORMAT" | sha256sum | cut -c1-12)
# shellcheck disable=SC2086  # unquoted: the key ignores how the list is wrapped
key=$(echo "$bkey" $IMAGE_PACKAGES "$FORMAT" | sha256sum | cut -c1-12)
bindir=$cache/virt-launcher-$VERSION-bin-$bkey
tarball=$cache/virt-launcher-$VERSION-$key.tar
image=localhost/kvpod-virt-launcher:$VERSION-$key
gocache=$cache/virt-launcher-gocache

# shellcheck source=../debian/upstream_image.sh
. "$here/../debian/upstream_image.sh"

build_binaries() {
    local builder=$1
    # upstream: go_binary in each cmd/*/BUILD.bazel (libvirt-hook-client
    # static = "on"); container-disk a cc_binary, linkopts -static.
    go_build_in "$builder" '
        CGO_ENABLED=1 nice -n 10 go build -p 2 -trimpath -ldflags="-s -w" -o /out/ \
            ./cmd/virt-launcher ./cmd/virt-launcher-monitor ./cmd/virt-tail ./cmd/virt-probe ./cmd/virt-freezer &&
        CGO_ENABLED=0 nice -n 10 go build -p 2 -trimpath -ldflags="-s -w" -o /out/ \
            ./cmd/virt-launcher/libvirt-hook-client &&
        nice -n 10 gcc -O2 -static -s -o /out/container-disk cmd/container-disk-v2alpha/main.c'
    cp "$builder/src/cmd/virt-launcher/node-labeller/node-labeller.sh" "$builder/out/"
    mkdir -p "$builder/out/etc"
    cp "$builder/src/cmd/virt-launcher/"{qemu.conf,virtqemud.conf,nsswitch.conf,qemu} "$builder/out/etc/"
}

lay_out_image() {
    local root=$1 f pair
    # cmd/virt-launcher/BUILD.bazel's layout: the binaries in /usr/bin ...
    for f in virt-launcher virt-launcher-monitor virt-tail virt-probe virt-freezer container-disk \
        libvirt-hook-client node-labeller.sh; do
        install -m 0755 "$bindir/$f" "$root/usr/bin/$f"
    done
    # ... virt-launcher-monitor with cap_net_bind_service (as is QEMU in
    # upstream's CentOS Stream 9 tree: rpm/BUILD.bazel's launcherbase) ...
    if command -v setcap >/dev/null; then
        setcap cap_net_bind_service=+ep "$root/usr/bin/virt-launcher-monitor"
        setcap cap_net_bind_service=+ep "$root/usr/bin/qemu-system-x86_64"
    else
        echo "$me: setcap is not installed: virt-launcher-monitor gets no cap_net_bind_service" >&2
    fi
    # ... libvirt's configuration (Debian's qemu.conf is mode 0600: virt-launcher
    # running as qemu panics on it) and the migration hook owned by qemu ...
    install -m 0644 "$bindir/etc/qemu.conf" "$bindir/etc/virtqemud.conf" "$root/etc/libvirt/"
    install -d -m 0755 "$root/etc/libvirt/hooks"
    install -m 0755 -o 107 -g 107 "$bindir/etc/qemu" "$root/etc/libvirt/hooks/qemu"
    install -m 0644 "$bindir/etc/nsswitch.conf" "$root/etc/nsswitch.conf"
    # ... the qemu user and group, 107 (Debian's system accounts stay) ...
    in_root "$root" groupadd -g 107 qemu
    in_root "$root" useradd -r -u 107 -g 107 -M -d /home/qemu -s /bin/bash qemu
    # ... /var/run -> ../run (relative: virt-handler reaches it through
    # /proc/<pid>/root) and an empty /usr/lib64/qemu-kvm.
    rm -f "$root/var/run"
    ln -s ../run "$root/var/run"
    install -d -m 0755 "$root/usr/lib64/qemu-kvm"
    # Debian has no virtqemud, only the monolithic libvirtd, which serves the
    # same QEMU driver from the same config file but names its sockets
    # libvirt-sock*. virt-launcher runs `/usr/sbin/virtqemud -f
    # /var/run/libvirt/virtqemud.conf` (node-labeller.sh `virtqemud -d`) and
    # connects to <runtime dir>/libvirt/virtqemud-sock.
    cat >"$root/usr/sbin/virtqemud" <<'EOF'
#!/bin/sh
# virtqemud stand-in (kubevirt-vm-to-pod's e2e launcher image): Debian 13 has
# only the monolithic libvirtd. It runs with the same arguments and the same
# QEMU driver; links give its sockets virtqemud's names, in the directory it
# uses: /run/libvirt as root, $XDG_RUNTIME_DIR/libvirt (else
# ${XDG_CACHE_HOME:-$HOME/.cache}/libvirt) otherwise.
# (libvirt's socket file names are not configurable.)
if [ "$(id -u)" = 0 ]; then
    dir=/run/libvirt socks="sock sock-ro admin-sock"
    mkdir -p -m 0755 "$dir"
else
    dir=${XDG_RUNTIME_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}}/libvirt socks="sock admin-sock"
    mkdir -p -m 0700 "$dir"
fi
for s in $socks; do
    ln -sfn "libvirt-$s" "$dir/virtqemud-$s"
done
exec /usr/sbin/libvirtd "$@"
EOF
    chmod 0755 "$root/usr/sbin/virtqemud"
    # KubeVirt looks for OVMF_CODE.fd/OVMF_VARS.fd (and .secboot) in
    # /usr/share/OVMF; Debian 13 ships only the 4 MiB builds, named _4M.
    for pair in OVMF_CODE.fd:OVMF_CODE_4M.fd OVMF_VARS.fd:OVMF_VARS_4M.fd \
        OVMF_CODE.secboot.fd:OVMF_CODE_4M.secboot.fd OVMF_VARS.secboot.fd:OVMF_VARS_4M.ms.fd; do
        [ -e "$root/usr/share/OVMF/${pair#*:}" ] || { echo "$me: ovmf has no ${pair#*:}" >&2; exit 1; }
        ln -sfn "${pair#*:}" "$root/usr/share/OVMF/${pair%%:*}"
    done
}

# virt-launcher-monitor's and QEMU's file capabilities.
tar_options=(--xattrs --xattrs-include='security.capability')
upstream_image_build virt-launcher launcher 10
