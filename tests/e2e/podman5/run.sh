#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs an end-to-end test script under Podman 5.x, nested: a Debian 13
# (trixie) container (rootfs.sh builds and caches its tree) run --privileged
# by this machine's Podman, with the source tree and build tree mounted at the
# same paths, and Podman inside storing with vfs. The script sees the same
# lib.sh, so it runs unchanged on both Podman versions.
#
#   tests/e2e/podman5/run.sh tests/e2e/hook_podman.sh
#
# The build tree comes from this machine (Debian 12). Its binaries run on
# trixie: glibc and libstdc++ are backward compatible, but a library whose
# soname changed between the releases (with -Dstatic_deps=false, say) would be
# missing there, so the host's copy of each such library is mounted read-only
# into the container's /usr/lib/x86_64-linux-gnu.
#
# Output: the inner script's TAP. Exit status: the inner script's (77 = skip).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 SCRIPT [ARG...]" >&2; exit 2; }
script=$(realpath "$1")
shift
# The wrapper reports through the inner script: no TAP lines of its own.
e2e_init podman5
e2e_require debootstrap

tarball=$("$here/rootfs.sh") || e2e_skip_all "could not build the trixie rootfs (see above)"
image=localhost/$E2E_PREFIX-trixie:latest
t0=$(date +%s)
command podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$image" >"$E2E_TMP/import.log" 2>&1 || { cat "$E2E_TMP/import.log" >&2; exit 1; }
e2e_diag "imported $(basename "$tarball") in $(($(date +%s) - t0)) s"

# Libraries the build tree needs that trixie lacks: lend the host's copies.
mounts=()
for bin in "$E2E_HOOK_BIN" "$E2E_BUILD_DIR"/src/vm2pod/kubevirt-vm-to-pod; do
    [ -x "$bin" ] || continue
    while read -r name path; do
        grep -qxF "$name" "$tarball.libs" && continue
        mounts+=(-v "$path:/usr/lib/x86_64-linux-gnu/$name:ro")
        e2e_diag "lending the host's $path (trixie has no $name)"
    done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
done
mounts+=(-v "$E2E_SRC_ROOT:$E2E_SRC_ROOT:ro")
case $E2E_BUILD_DIR/ in
"$E2E_SRC_ROOT"/*) ;;
*) mounts+=(-v "$E2E_BUILD_DIR:$E2E_BUILD_DIR:ro") ;;
esac
case $script in
"$E2E_SRC_ROOT"/*) ;;
*) mounts+=(-v "$script:$script:ro") ;;
esac

# Scripts with a line "# e2e: launcher" boot real VMs: the host builds (or
# finds in its cache) KubeVirt's virt-launcher image and the test guest, and
# lends their tarballs, which the script imports into the nested Podman.
images=()
if grep -q '^# e2e: launcher' "$script"; then
    launcher_tar=$("$here/../launcher/build.sh" --tarball) &&
        launcher_image=$("$here/../launcher/build.sh") &&
        guest_image=$("$here/../guest/build.sh") &&
        guest_tar=$(dirname "$("$here/../guest/build.sh" --disk)")/containerdisk.tar ||
        e2e_skip_all "no launcher image or test guest (see above)"
    mounts+=(-v "$launcher_tar:$launcher_tar:ro" -v "$launcher_tar.changes:$launcher_tar.changes:ro"
        -v "$guest_tar:$guest_tar:ro")
    images+=(-e E2E_LAUNCHER_IMAGE="$launcher_image" -e E2E_LAUNCHER_TAR="$launcher_tar"
        -e E2E_GUEST_IMAGE="$guest_image" -e E2E_GUEST_TAR="$guest_tar"
        --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=8192:8192)  # passt, libvirt, QEMU inside
fi

command podman run --rm --name "$E2E_PREFIX-outer" --privileged --network none \
    "${mounts[@]}" "${images[@]}" \
    -e E2E_BUILD_DIR="$E2E_BUILD_DIR" -e E2E_HOOK_BIN="$E2E_HOOK_BIN" -e E2E_KEEP="${E2E_KEEP:-0}" \
    -e PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
    -w "$E2E_SRC_ROOT" "$image" bash "$script" "$@"
status=$?
# shellcheck disable=SC2034  # read by lib.sh's exit trap
E2E_FINISHED=1  # the inner script printed the plan and the summary
exit "$status"
