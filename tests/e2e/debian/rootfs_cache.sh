# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# debian_rootfs_cached: the debootstrap-and-cache steps podman5/rootfs.sh and
# systemd/rootfs.sh share (sourced by both). Each script keeps its own SUITE,
# PACKAGES, FORMAT and cache key; this builds the tree the key names, once.
#
#   debian_rootfs_cached TARBALL LOCK SUITE PACKAGES CUSTOMISE [WHAT]
#
# Prints TARBALL when it and TARBALL.libs are cached. Else, holding the lock
# file LOCK (parallel callers wait, then find it built): debootstraps a
# minbase SUITE with PACKAGES (comma-separated) from debian_mirror, runs
# CUSTOMISE ROOT (a function of the caller: what it changes in the tree),
# removes what no test reads (downloaded packages, lists, docs,
# translations), lists the tree's shared libraries in TARBALL.libs (run.sh
# lends the host's copies of those trixie lacks), tars it to TARBALL, deletes
# the older tarballs of the same name before the key ("<name>-<key>.tar"),
# says on stderr how long it took, and prints TARBALL. WHAT describes the
# tree in that progress line. Exits 77 without debootstrap, 1 when it fails.

# shellcheck source=../podman5/debian_mirror.sh
. "$(dirname "${BASH_SOURCE[0]}")/../podman5/debian_mirror.sh"

debian_rootfs_cached() {
    local tarball=$1 lock_file=$2 suite=$3 packages=$4 customise=$5 what=${6:-$3}
    local cache lock mirror work root start bootstrapped
    cache=$(dirname "$tarball")
    if [ -s "$tarball" ] && [ -s "$tarball.libs" ]; then
        echo "$tarball"
        return 0
    fi
    mkdir -p "$cache"
    exec {lock}>"$lock_file"
    flock "$lock"
    if [ -s "$tarball" ] && [ -s "$tarball.libs" ]; then  # built while we waited
        echo "$tarball"
        return 0
    fi

    command -v debootstrap >/dev/null || { echo "rootfs.sh: debootstrap is not installed" >&2; exit 77; }
    mirror=$(debian_mirror)
    work=$(mktemp -d "$cache/build.XXXXXX")
    # shellcheck disable=SC2064  # $work is fixed now
    trap "rm -rf '$work'" EXIT
    root=$work/root
    start=$(date +%s)
    echo "rootfs.sh: debootstrap $what from $mirror (this takes a few minutes)" >&2
    if ! nice -n 10 debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" \
        >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null
        exit 1
    fi
    bootstrapped=$(date +%s)

    "$customise" "$root"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info "$root"/usr/share/locale
    find "$root/usr/lib" "$root/lib" -name 'lib*.so*' -printf '%f\n' 2>/dev/null | sort -u >"$work/libs"
    tar -C "$root" --numeric-owner -cf "$work/root.tar" .
    mv "$work/libs" "$tarball.libs"
    mv "$work/root.tar" "$tarball"
    # Older builds of the same tree (another key) are stale now.
    local name
    name=$(basename "$tarball" .tar)
    find "$cache" -maxdepth 1 -name "${name%-*}-*.tar*" ! -name "$(basename "$tarball")*" -delete
    echo "rootfs.sh: debootstrap took $((bootstrapped - start)) s, total $(($(date +%s) - start)) s," \
        "tarball $(du -m "$tarball" | cut -f1) MiB" >&2
    echo "$tarball"
}
