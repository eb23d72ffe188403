#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds, once, the kvpod test guest (README.md here): a raw disk image that
# SeaBIOS boots (SYSLINUX on FAT) and OVMF boots (systemd-boot on the same
# FAT, \EFI\BOOT\BOOTX64.EFI), Debian 12's kernel, a busybox initramfs
# whose /init is ./init, and a containerDisk image holding it.
#
#   build.sh          prints the image name, localhost/kvpod-test-guest:<key>,
#                     importing the image into Podman if it is not there
#   build.sh --disk   prints the path of the raw disk image (no Podman needed)
#
# Cached under $E2E_CACHE_DIR (default /var/tmp/kvpod-e2e-cache) as
# guest-<key>/, the key a hash of this script, ./init, FORMAT, the versions
# of the Debian packages it downloads (the kernel that linux-image-amd64
# depends on, busybox-static, systemd-boot-efi) and of the host's syslinux, mtools and
# dosfstools. Parallel callers wait on a lock for the one that builds.
# Exits 77 with a reason on stderr when a tool or package is unavailable.
set -euo pipefail

# Bump when what the build does changes in a way the hashed files do not show.
FORMAT=1
# Kernel modules the guest loads (their dependencies are added, in order).
MODULES="virtio_pci virtio_blk virtio_net isofs vfat nls_cp437 nls_ascii nls_utf8 button evdev efivarfs virtiofs"
CMDLINE="console=tty0 console=ttyS0,115200 quiet"
IMAGE_REPO=localhost/kvpod-test-guest

here=$(cd "$(dirname "$0")" && pwd)
cache=${E2E_CACHE_DIR:-/var/tmp/kvpod-e2e-cache}

mode=image
case ${1:-} in
'') ;;
--disk) mode=disk ;;
*)
    echo "usage: build.sh [--disk]" >&2
    exit 2
    ;;
esac

skip() {
    echo "build.sh: $*" >&2
    exit 77
}
for tool in apt-cache apt-get dpkg-deb dpkg-query mkfs.fat syslinux mcopy mmd cpio gzip sha256sum flock awk; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (contrib/setup-debian.sh installs it)"
done
[ "$mode" = disk ] || command -v podman >/dev/null || skip "podman is not installed"

# One apt-cache call (each loads the package cache: about a second): the
# candidates of linux-image-amd64 (which depends on the kernel's own package,
# "= version"), busybox-static and systemd-boot-efi.
read -r kernel_pkg kernel_ver busybox_ver sdboot_ver < <(
    apt-cache show --no-all-versions linux-image-amd64 busybox-static systemd-boot-efi 2>/dev/null | awk '
        /^Package:/ { pkg = $2 }
        pkg == "busybox-static" && /^Version:/ { bb = $2 }
        pkg == "systemd-boot-efi" && /^Version:/ { sd = $2 }
        pkg == "linux-image-amd64" && /^Depends:/ {
            if (match($0, /linux-image-[0-9][^ ,]*-amd64 \(= [^)]*\)/)) {
                split(substr($0, RSTART, RLENGTH), f, /[ ()=]+/)
                kpkg = f[1]; kver = f[2]
            }
        }
        END { print (kpkg ? kpkg : "-"), (kver ? kver : "-"), (bb ? bb : "-"), (sd ? sd : "-") }') || true
[ "${kernel_pkg:--}" != - ] && [ "${kernel_ver:--}" != - ] ||
    skip "apt knows no linux-image-amd64 depending on a linux-image-<version>-amd64 (apt-get update?)"
[ "${busybox_ver:--}" != - ] || skip "apt knows no busybox-static (apt-get update?)"
[ "${sdboot_ver:--}" != - ] || skip "apt knows no systemd-boot-efi (apt-get update?)"
host_tools=$(dpkg-query -W -f='${Package}=${Version} ' syslinux syslinux-common mtools dosfstools 2>/dev/null || true)

key=$({
    cat "$here/build.sh" "$here/init"
    echo "FORMAT=$FORMAT $kernel_pkg=$kernel_ver busybox-static=$busybox_ver systemd-boot-efi=$sdboot_ver $host_tools"
} | sha256sum | cut -c1-12)
dir=$cache/guest-$key
image=$IMAGE_REPO:$key

built() { [ -s "$dir/disk.img" ] && [ -s "$dir/containerdisk.tar" ]; }

# The image is imported from the cached tar when Podman lacks it.
result() {
    touch "$dir" # recently used: not pruned
    if [ "$mode" = disk ]; then
        echo "$dir/disk.img"
        return
    fi
    if ! podman image exists "$image"; then
        podman import "$dir/containerdisk.tar" "$image" >"$dir/import.log.$$" 2>&1 ||
            { cat "$dir/import.log.$$" >&2; rm -f "$dir/import.log.$$"; exit 1; }
        rm -f "$dir/import.log.$$"
    fi
    echo "$image"
}

if built && [ "$mode" = disk ]; then
    result
    exit 0
fi

mkdir -p "$cache"
exec {lock}>"$cache/.guest.lock"
flock "$lock"
if built; then # built while we waited, or only the import is missing
    result
    exit 0
fi

start=$(date +%s)
work=$(mktemp -d "$cache/guest-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
mkdir "$work/debs"
# apt-get download drops privileges to _apt when it can write there.
! id _apt >/dev/null 2>&1 || chown _apt "$work/debs" 2>/dev/null || true
echo "build.sh: building the test guest $key ($kernel_pkg $kernel_ver, busybox-static $busybox_ver)" >&2
(cd "$work/debs" && apt-get download -q "$kernel_pkg=$kernel_ver" "busybox-static=$busybox_ver" \
    "systemd-boot-efi=$sdboot_ver") \
    >"$work/download.log" 2>&1 || { cat "$work/download.log" >&2; skip "apt-get download failed"; }
dpkg-deb -x "$work/debs/${kernel_pkg}_"*.deb "$work/kernel"
dpkg-deb -x "$work/debs/busybox-static_"*.deb "$work/busybox"
dpkg-deb -x "$work/debs/systemd-boot-efi_"*.deb "$work/sdboot"
sdboot=$work/sdboot/usr/lib/systemd/boot/efi/systemd-bootx64.efi
[ -s "$sdboot" ] || skip "systemd-boot-efi has no $sdboot"

vmlinuz=$(find "$work/kernel/boot" -name 'vmlinuz-*' | head -n 1)
[ -n "$vmlinuz" ] || skip "$kernel_pkg has no /boot/vmlinuz-*"
release=${vmlinuz##*/vmlinuz-}
moddir=$(find "$work/kernel" -maxdepth 4 -type d -path "*/lib/modules/$release" | head -n 1)
[ -n "$moddir" ] || skip "$kernel_pkg has no lib/modules/$release"
bb=$work/busybox/bin/busybox
[ -x "$bb" ] || skip "busybox-static has no /bin/busybox"

# --- the initramfs ------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,mnt,etc,root,lib/modules,www}
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/init" "$root/init"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# Modules: Debian 12 ships them plain, later kernels as .ko.xz or .ko.zst;
# busybox's insmod wants them plain. modules.dep is made by depmod at install
# time, not shipped: the dependencies come from each module's .modinfo.
declare -A modfile=() loaded=()
while IFS= read -r f; do
    name=${f##*/}
    name=${name%%.ko*}
    modfile[${name//-/_}]=$f
done < <(find "$moddir" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
order=()
module_plain() { # module_plain FILE: the module's ELF on stdout
    case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
    esac
}
add_module() {
    local name=${1//-/_} f deps dep
    [ -z "${loaded[$name]:-}" ] || return 0
    f=${modfile[$name]:-}
    [ -n "$f" ] || skip "$kernel_pkg has no module $name (built in? check MODULES in build.sh)"
    loaded[$name]=1
    module_plain "$f" >"$root/lib/modules/$name.ko" || skip "cannot decompress $f"
    deps=$(tr '\0' '\n' <"$root/lib/modules/$name.ko" | sed -n 's/^depends=//p' | head -n 1)
    for dep in ${deps//,/ }; do add_module "$dep"; done
    order+=("$name")
}
for m in $MODULES; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$root/lib/modules/load-order"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n >"$work/initrd.gz"

# --- the FAT disk: SYSLINUX, the kernel, the initramfs --------------------------
# The same files boot under EFI: OVMF finds \EFI\BOOT\BOOTX64.EFI on the
# FAT of a whole disk (no partition table, as for SeaBIOS) and runs
# systemd-boot, whose only entry loads vmlinuz and initrd.gz with the same
# command line (no menu: timeout 0).
cat >"$work/syslinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT kvpod
PROMPT 0
TIMEOUT 0
LABEL kvpod
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND $CMDLINE
EOF
payload_kib=$((($(stat -c %s "$vmlinuz") + $(stat -c %s "$work/initrd.gz")) / 1024))
size_kib=$(((payload_kib / 1024 + 3) * 1024)) # whole MiB, 2-3 MiB to spare
mkfs.fat -C -n KVPODGUEST -i 4b56504f "$work/disk.img" "$size_kib" >"$work/mkfs.log" 2>&1 ||
    { cat "$work/mkfs.log" >&2; exit 1; }
syslinux --install "$work/disk.img"
mcopy -i "$work/disk.img" "$vmlinuz" ::vmlinuz
mcopy -i "$work/disk.img" "$work/initrd.gz" ::initrd.gz
mcopy -i "$work/disk.img" "$work/syslinux.cfg" ::syslinux.cfg
printf 'timeout 0\ndefault kvpod.conf\nconsole-mode keep\n' >"$work/loader.conf"
printf 'title kvpod test guest\nlinux /vmlinuz\ninitrd /initrd.gz\noptions %s\n' "$CMDLINE" >"$work/kvpod.conf"
mmd -i "$work/disk.img" ::EFI ::EFI/BOOT ::loader ::loader/entries
mcopy -i "$work/disk.img" "$sdboot" ::EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/disk.img" "$work/loader.conf" ::loader/loader.conf
mcopy -i "$work/disk.img" "$work/kvpod.conf" ::loader/entries/kvpod.conf

# --- the containerDisk: /disk/disk.img, qemu's 107:107, read-only ---------------
mkdir -p "$work/image/disk"
cp "$work/disk.img" "$work/image/disk/disk.img"
chmod 0440 "$work/image/disk/disk.img"
tar -C "$work/image" --owner=107 --group=107 --numeric-owner -cf "$work/containerdisk.tar" disk
rm -rf "$work/image"

mkdir "$work/out"
mv "$work/disk.img" "$work/containerdisk.tar" "$work/initrd.gz" "$work/out/"
cp "$vmlinuz" "$work/out/vmlinuz"
cat >"$work/out/build-info" <<EOF
key $key
kernel $kernel_pkg $kernel_ver ($release)
busybox-static $busybox_ver
systemd-boot-efi $sdboot_ver
host $host_tools
cmdline $CMDLINE
modules ${order[*]}
disk.img $(stat -c %s "$work/out/disk.img") bytes
initrd.gz $(stat -c %s "$work/out/initrd.gz") bytes
vmlinuz $(stat -c %s "$work/out/vmlinuz") bytes
built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(($(date +%s) - start)) s
EOF
rm -rf "$dir"
mv "$work/out" "$dir"
# Guests of other keys unused for a week are stale.
find "$cache" -maxdepth 1 -name 'guest-*' ! -name "guest-$key" -mtime +7 -exec rm -rf {} + 2>/dev/null || true
echo "build.sh: built in $(($(date +%s) - start)) s: disk.img $(($(stat -c %s "$dir/disk.img") / 1048576)) MiB" >&2
result
