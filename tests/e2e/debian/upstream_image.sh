# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154  # the caller sets the variables named below
# The steps launcher/build.sh and cdi/build.sh share (sourced by both): build
# Go binaries from an upstream source tarball in a Debian minbase chroot, lay
# them out in a second minbase tree with Debian's packages, cache that tree as
# a tarball and import it into Podman. Each script keeps its own versions,
# package lists, formats and cache keys; this builds what they name, once.
#
#   upstream_image_build NAME LOCK MINUTES
#
# NAME is the cache files' prefix and the image's (kvpod-NAME), LOCK names
# the lock file (.LOCK.lock), the build dir and the import log; MINUTES is what
# the progress line says a build takes. The caller has set me, mode (image
# or tarball), SUITE, BUILD_PACKAGES, IMAGE_PACKAGES, IMPORT_CHANGES, source,
# cache, bindir, tarball, image, gocache (what its header documents) and
# defines:
#   build_binaries BUILDER  builds into BUILDER/out, the source unpacked in
#                           BUILDER/src (go_build_in runs the Go commands);
#   lay_out_image ROOT      puts the binaries ($bindir) into the image tree,
#                           after the image packages are installed;
#   tar_options             (an array, may be empty) more options for tar.
# Prints the image (or, with mode tarball, the tarball) and exits.

# shellcheck source=../podman5/debian_mirror.sh
. "$(dirname "${BASH_SOURCE[0]}")/../podman5/debian_mirror.sh"

# in_root ROOT COMMAND...: runs COMMAND chrooted in ROOT with /proc mounted, in
# a mount namespace of its own (its mounts die with it, even when killed).
# $bind, if set, is bind-mounted on ROOT/gocache first.
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

# apt_install ROOT LOG PACKAGE...: apt-get install in ROOT, services kept from
# starting.
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

# go_build_in BUILDER COMMANDS: COMMANDS (sh) in BUILDER's /src with Go's
# cache on $gocache, vendored modules, the local toolchain; the log is
# $work/go-build.log, its end on stderr when it fails.
go_build_in() {
    if ! bind=$gocache in_root "$1" /bin/sh -c "cd /src &&
        export GOCACHE=/gocache GOPATH=/tmp/go GOFLAGS=-mod=vendor GOTOOLCHAIN=local && $2" \
        >"$work/go-build.log" 2>&1; then
        tail -n 40 "$work/go-build.log" >&2
        exit 1
    fi
}

now() { date +%s; }
phase() {  # phase NAME START: "NAME took N s" on stderr
    echo "$me: $1 took $(($(now) - $2)) s" >&2
}

work=
upstream_image_cleanup() {
    [ -n "$work" ] || return 0
    # Every mount (debootstrap's, in_root's) is made in a namespace that dies
    # with its process; this is only a safeguard before rm -rf.
    awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r umount -l || true
    if awk -v w="$work/" 'index($2, w) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
        echo "$me: $work is still mounted on; left it" >&2
    else
        rm -rf "$work"
    fi
}

upstream_image_build() {
    local name=$1 lock_name=$2 minutes=$3 lock need_build=1 tool mirror start t builder root change
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
    exec {lock}>"$cache/.$lock_name.lock"
    flock "$lock"
    done_if_ready  # made while we waited

    built && need_build=0
    if [ "$need_build" = 1 ]; then
        for tool in debootstrap unshare; do
            command -v "$tool" >/dev/null || { echo "$me: $tool is not installed" >&2; exit 77; }
        done
    fi
    trap upstream_image_cleanup EXIT

    if [ "$need_build" = 1 ]; then
        mirror=$(debian_mirror)
        work=$(mktemp -d "$cache/$lock_name-build.XXXXXX")
        start=$(now)
        echo "$me: building $image from $(basename "$source") (debootstrap $SUITE from $mirror; about $minutes minutes)" >&2

        t=$(now)
        if ! unshare --mount --propagation private -- \
            debootstrap --variant=minbase "$SUITE" "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1; then
            tail -n 30 "$work/debootstrap.log" >&2
            tail -n 30 "$work/base/debootstrap/debootstrap.log" >&2 2>/dev/null
            exit 1
        fi
        phase "debootstrap (minbase)" "$t"

        if [ ! -s "$bindir/$name" ]; then
            builder=$work/builder
            t=$(now)
            cp -a "$work/base" "$builder"
            # shellcheck disable=SC2086  # a list of names
            apt_install "$builder" "$work/apt-build.log" $BUILD_PACKAGES
            phase "apt-get (build packages)" "$t"

            t=$(now)
            mkdir -p "$builder/src" "$builder/out" "$gocache"
            tar -C "$builder/src" --strip-components=1 -xJf "$source"
            build_binaries "$builder"
            rm -rf "$bindir.new"
            mv "$builder/out" "$bindir.new"
            mv "$bindir.new" "$bindir"
            find "$cache" -maxdepth 1 -name "$name-$VERSION-bin-*" ! -name "$(basename "$bindir")" -exec rm -rf {} +
            rm -rf "$builder"
            phase "go build (binaries $(du -sm "$bindir" | cut -f1) MiB, Go cache $(du -sm "$gocache" | cut -f1) MiB)" "$t"
        fi

        root=$work/base
        t=$(now)
        # shellcheck disable=SC2086  # a list of names
        apt_install "$root" "$work/apt-image.log" $IMAGE_PACKAGES
        phase "apt-get (image packages)" "$t"

        t=$(now)
        lay_out_image "$root"
        # shellcheck disable=SC2016  # dpkg-query's format
        in_root "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$work/packages"
        # What the image does not use: downloaded packages, lists, docs,
        # translations, logs; the build machine's name and resolver.
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
            "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale \
            "$root"/var/log/apt "$root"/var/log/dpkg.log "$root"/var/log/alternatives.log "$root"/var/cache/debconf/*-old \
            "$root"/debootstrap
        : >"$root/etc/resolv.conf"
        echo localhost >"$root/etc/hostname"
        phase "image layout ($(du -sm "$root" | cut -f1) MiB tree)" "$t"

        t=$(now)
        tar -C "$root" --numeric-owner "${tar_options[@]}" -cf "$work/root.tar" .
        printf '%s\n' "${IMPORT_CHANGES[@]}" >"$work/changes"
        mv "$work/packages" "$tarball.packages"
        mv "$work/changes" "$tarball.changes"
        mv "$work/root.tar" "$tarball"
        # Older builds of this image are stale now.
        find "$cache" -maxdepth 1 -name "$name-$VERSION-*.tar*" ! -name "$(basename "$tarball")*" -delete
        phase "tar ($(du -m "$tarball" | cut -f1) MiB)" "$t"
        echo "$me: built in $(($(now) - start)) s" >&2
    fi

    if [ "$mode" = tarball ]; then
        echo "$tarball"
        exit 0
    fi

    t=$(now)
    local import_args=()
    for change in "${IMPORT_CHANGES[@]}"; do
        import_args+=(--change "$change")
    done
    if ! podman import "${import_args[@]}" "$tarball" "$image" >"$cache/.$lock_name-import.log" 2>&1; then
        cat "$cache/.$lock_name-import.log" >&2
        exit 1
    fi
    rm -f "$cache/.$lock_name-import.log"
    phase "podman import" "$t"
    # This image's other keys are stale (one in use stays).
    podman images --format '{{.Repository}}:{{.Tag}}' --filter reference="localhost/kvpod-$name" |
        grep -vxF "$image" | xargs -r podman rmi >/dev/null 2>&1 || true
    echo "$image"
    exit 0
}
