#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: launcher
#
# Disks and state that persist, with KubeVirt's real virt-launcher and the
# test guest booted by OVMF (EFI, secure boot off: the guest's systemd-boot
# is unsigned): one VM with persistent EFI variables, a persistent TPM and a
# hostDisk of type DiskOrCreate as its data disk.
#   boot 1: the init container created the hostDisk image (capacity, uid
#           107); EFIBOOTS 1 (fresh NVRAM); the TPM answers (resets=r);
#           BOOTCOUNT 1 on the created disk.
#   then the Pod is stopped, removed and played again (a replay: every
#   container new, the named volumes and the host file kept):
#   boot 2: EFIBOOTS 2 (the NVRAM persisted), resets=r+1 (the TPM's state
#           persisted), BOOTCOUNT 2 (the image was not re-created).
# Podman 4.3.1 only (two OVMF boots under TCG are its budget).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

e2e_init vmstate
converter=${E2E_CONVERTER:-$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod}
[ -x "$converter" ] || e2e_skip_all "no converter at $converter (build first)"
boot_timeout=${E2E_BOOT_TIMEOUT:-300}
version=$(command podman version --format '{{.Client.Version}}')
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { echo "$(($(now_ms) - $1)) ms"; }

launcher=$("$here/launcher/build.sh") || {
    [ $? = 77 ] && e2e_skip_all "no virt-launcher image"
    e2e_not_ok "launcher/build.sh failed"; E2E_FINISHED=1; e2e_finish
}
guest=$("$here/guest/build.sh") || {
    [ $? = 77 ] && e2e_skip_all "no test guest"
    e2e_not_ok "guest/build.sh failed"; E2E_FINISHED=1; e2e_finish
}

# TCG (the hook's allowEmulation, a host root without /dev/kvm), as vm_boot.sh.
root=$E2E_TMP/root
e2e_mknod "$root" /dev/net/tun c 10 200 0666
printf 'allowEmulation: true\n' >"$E2E_TMP/hook.yaml"
e2e_write_hook kubevirt "$root" "$E2E_TMP/hook.yaml"
nofile=$(ulimit -Hn)
[ "$nofile" = unlimited ] && nofile=1048576
cat >"$CONTAINERS_CONF" <<EOC
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
default_sysctls = ["net.ipv4.ping_group_range=107 107", "net.ipv4.ip_unprivileged_port_start=0"]

[engine]
runtime = "runc"
stop_timeout = 90
EOC

vm=$E2E_PREFIX-s
hostdir=$E2E_TMP/hostdisks
disk=$hostdir/data.img
file=$E2E_TMP/$vm.yaml
cat >"$file" <<EOC
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $vm
spec:
  runStrategy: Always
  template:
    spec:
      terminationGracePeriodSeconds: 60
      domain:
        firmware:
          bootloader:
            efi:
              secureBoot: false
              persistent: true
        devices:
          tpm:
            persistent: true
          disks:
          - name: containerdisk
            disk: {bus: virtio}
          - name: data
            disk: {bus: virtio}
            serial: kvpoddata
          interfaces:
          - name: default
            masquerade: {}
            ports:
            - port: 80
        resources:
          requests:
            memory: 192Mi
      networks:
      - name: default
        pod: {}
      volumes:
      - name: containerdisk
        containerDisk:
          image: $guest
      - name: data
        hostDisk:
          path: $disk
          type: DiskOrCreate
          capacity: 64Mi
EOC
pod=$E2E_TMP/pod.yaml
"$converter" "$file" --launcher-image "$launcher" --podman-version "$version" >"$pod" 2>"$pod.err"
e2e_is "$?" 0 "the converter turns the VM into a Pod"
e2e_contains "$(cat "$pod.err")" "persists beyond the Pod" "the converter warns what persists and where"
if [ "${version%%.*}" -ge 5 ]; then
    e2e_contains "$(cat "$pod")" "kubevirt-vm-to-pod/persistent-state" "the Pod's annotation says what persists"
else
    # Longer than the 63 characters kube play before Podman 5 takes: left out, said so.
    e2e_contains "$(cat "$pod.err")" "annotations/kubevirt-vm-to-pod/persistent-state: left out of the Pod" \
        "Podman $version: the converter says the long persistent-state annotation is left out"
fi
while IFS= read -r line; do
    eval "${line#kubevirt-vm-to-pod: before podman kube play, run: }" >/dev/null
done < <(grep '^kubevirt-vm-to-pod: before podman kube play, run: ' "$pod.err")
e2e_on_cleanup "command podman pod rm -f -t 0 'virt-launcher-$vm'; command podman volume ls -q | grep -E '^((virt-launcher-)?$vm-|persistent-state-for-$vm-)' | xargs -r podman volume rm -f"

console() { printf '%s\n' "$2" | timeout 60 "$converter" console --podman "$(command -v podman)" "$1" 2>&1; }
wait_ready() {
    local out="" deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ]; do
        out=$(console "$1" status)
        case $out in *KVPOD-READY*) break ;; esac
        sleep 3
    done
    printf '%s\n' "$out"
}
guest_line() { grep -a "^KVPOD-$2" <<<"$1" | tail -n1 | tr -d '\r'; }

# --- boot 1 ---------------------------------------------------------------------
t0=$(now_ms)
podman kube play "$pod" >"$pod.play" 2>&1
e2e_is "$?" 0 "podman kube play starts the Pod"
out=$(wait_ready "$vm")
e2e_diag "kube play to KVPOD-READY: $(elapsed "$t0")"
[ -n "$(guest_line "$out" READY)" ] || e2e_diag "$(command podman logs --tail 30 "virt-launcher-$vm-compute" 2>&1)"
e2e_is "$(stat -c '%s %u:%g' "$disk" 2>&1)" "67108864 107:107" "the hostDisk image was created with its capacity, owned by 107"
e2e_is "$(du -k "$disk" | cut -f1)" 4 "the created image is sparse (4 KiB after the guest's first write)"
e2e_is "$(guest_line "$out" FIRMWARE)" "KVPOD-FIRMWARE efi" "OVMF booted the guest"
e2e_is "$(guest_line "$out" EFIBOOTS)" "KVPOD-EFIBOOTS 1" "fresh NVRAM: the guest's first EFI variable"
e2e_is "$(guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 1" "the created hostDisk counts the first boot"
resets1=$(guest_line "$out" TPM | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) .*/\1/p')
e2e_check "the persistent TPM answers TPM2_ReadClock ($(guest_line "$out" TPM))" test -n "$resets1"

# --- a replay: stop, remove, play again ------------------------------------------
t0=$(now_ms)
stop=$(command podman pod stop -t 90 "virt-launcher-$vm" 2>&1)
e2e_is "$?" 0 "podman pod stop stops the VM"
e2e_diag "pod stop took $(elapsed "$t0")"
command podman pod rm -f "virt-launcher-$vm" >/dev/null 2>&1
t0=$(now_ms)
podman kube play "$pod" >"$pod.play2" 2>&1
e2e_is "$?" 0 "podman kube play starts the Pod again"
out=$(wait_ready "$vm")
e2e_diag "replay to KVPOD-READY: $(elapsed "$t0")"
e2e_is "$(guest_line "$out" EFIBOOTS)" "KVPOD-EFIBOOTS 2" "the EFI variable of boot 1 survived the replay (persistent EFI)"
e2e_is "$(guest_line "$out" TPM | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) .*/\1/p')" "$((${resets1:-0} + 1))" \
    "the TPM kept its state: one reset more than boot 1 (persistent TPM)"
e2e_is "$(guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 2" "the hostDisk image was kept, not re-created"
e2e_finish
