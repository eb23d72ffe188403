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

e2e_vm_init vmstate

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
          image: $E2E_GUEST_IMAGE
      - name: data
        hostDisk:
          path: $disk
          type: DiskOrCreate
          capacity: 64Mi
EOC
pod=$E2E_TMP/pod.yaml
e2e_vm_convert "$file" "$pod"
e2e_is "$?" 0 "the converter turns the VM into a Pod"
e2e_contains "$(cat "$pod.err")" "persists beyond the Pod" "the converter warns what persists and where"
if [ "${E2E_PODMAN_VERSION%%.*}" -ge 5 ]; then
    e2e_contains "$(cat "$pod")" "kubevirt-vm-to-pod/persistent-state" "the Pod's annotation says what persists"
else
    # Longer than the 63 characters kube play before Podman 5 takes: left out, said so.
    e2e_contains "$(cat "$pod.err")" "annotations/kubevirt-vm-to-pod/persistent-state: left out of the Pod" \
        "Podman $E2E_PODMAN_VERSION: the converter says the long persistent-state annotation is left out"
fi
e2e_vm_run_setup "$pod.err"
e2e_vm_forget "$vm"

# --- boot 1 ---------------------------------------------------------------------
t0=$(e2e_now_ms)
e2e_vm_play "$pod"
e2e_is "$?" 0 "podman kube play starts the Pod"
out=$(e2e_vm_wait_ready "$vm")
e2e_diag "kube play to KVPOD-READY: $(e2e_elapsed "$t0")"
[ -n "$(e2e_vm_guest_line "$out" READY)" ] || e2e_diag "$(command podman logs --tail 30 "virt-launcher-$vm-compute" 2>&1)"
e2e_is "$(stat -c '%s %u:%g' "$disk" 2>&1)" "67108864 107:107" "the hostDisk image was created with its capacity, owned by 107"
e2e_is "$(du -k "$disk" | cut -f1)" 4 "the created image is sparse (4 KiB after the guest's first write)"
e2e_is "$(e2e_vm_guest_line "$out" FIRMWARE)" "KVPOD-FIRMWARE efi" "OVMF booted the guest"
e2e_is "$(e2e_vm_guest_line "$out" EFIBOOTS)" "KVPOD-EFIBOOTS 1" "fresh NVRAM: the guest's first EFI variable"
e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 1" "the created hostDisk counts the first boot"
resets1=$(e2e_vm_guest_line "$out" TPM | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) .*/\1/p')
e2e_check "the persistent TPM answers TPM2_ReadClock ($(e2e_vm_guest_line "$out" TPM))" test -n "$resets1"

# --- a replay: stop, remove, play again ------------------------------------------
t0=$(e2e_now_ms)
stop=$(command podman pod stop -t 90 "virt-launcher-$vm" 2>&1)
e2e_is "$?" 0 "podman pod stop stops the VM"
e2e_diag "pod stop took $(e2e_elapsed "$t0")"
command podman pod rm -f "virt-launcher-$vm" >/dev/null 2>&1
t0=$(e2e_now_ms)
podman kube play "$pod" >"$pod.play2" 2>&1
e2e_is "$?" 0 "podman kube play starts the Pod again"
out=$(e2e_vm_wait_ready "$vm")
e2e_diag "replay to KVPOD-READY: $(e2e_elapsed "$t0")"
e2e_is "$(e2e_vm_guest_line "$out" EFIBOOTS)" "KVPOD-EFIBOOTS 2" "the EFI variable of boot 1 survived the replay (persistent EFI)"
e2e_is "$(e2e_vm_guest_line "$out" TPM | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) .*/\1/p')" "$((${resets1:-0} + 1))" \
    "the TPM kept its state: one reset more than boot 1 (persistent TPM)"
e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 2" "the hostDisk image was kept, not re-created"
e2e_finish
