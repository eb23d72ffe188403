#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
# e2e: launcher
#
# A host directory shared with the guest over virtiofs, with KubeVirt's real
# virt-launcher and the test guest, as a user does it: the directory becomes
# a Podman volume bound to it (podman volume create --opt type=none --opt
# o=bind --opt device=DIR), the VM names that volume as a persistentVolumeClaim
# and shares it as the filesystem kvpodshare. One boot:
#   - the converter's Pod has KubeVirt's container virtiofs-kvpodshare
#     (virtiofsd from the launcher image, uid 107, no capabilities);
#   - the hook gives the host devices to compute only: the virtiofs container
#     gets none;
#   - the guest mounts the tag, prints the file the host wrote there and
#     writes one that the host then reads, made by uid 107 (virtiofsd); the
#     user made the directory 107's, as the converter's warning says.
# A second boot (the first Pod removed) shares a ConfigMap as kvpodshare: the
# guest reads its key's file through virtiofs and cannot write there (the
# virtiofs container mounts it read-only, as the kubelet does). The same boot
# shares a Secret as a second filesystem, which the guest does not mount (it
# knows one tag): its virtiofsd sees the Secret's file read-only and QEMU has
# the device.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

e2e_vm_init vmvirtiofs

# --- the host directory, bound into a Podman volume --------------------------
vm=$E2E_PREFIX-v
share=$E2E_TMP/share
claim=$vm-share
token=host-token-$RANDOM$RANDOM
mkdir -p "$share"
chmod 0755 "$share"
# What the converter's warning tells the user, for the guest to write there
# (Podman 4.3 would do it at the first mount; 5.4 does not).
chown 107:107 "$share"
printf 'KVPOD-HOST-TOKEN %s\n' "$token" >"$share/to-guest"
e2e_vm_forget "$vm"
e2e_check "podman volume create binds the host directory" \
    command podman volume create --opt type=none --opt o=bind --opt "device=$share" "$claim"

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
      terminationGracePeriodSeconds: 30
      domain:
        devices:
          disks:
          - name: containerdisk
            disk: {bus: virtio}
          filesystems:
          - name: kvpodshare
            virtiofs: {}
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
      - name: kvpodshare
        persistentVolumeClaim:
          claimName: $claim
EOC
pod=$E2E_TMP/pod.yaml
e2e_vm_convert "$file" "$pod"
e2e_is "$?" 0 "the converter turns the VM with a virtiofs filesystem into a Pod"
e2e_contains "$(cat "$pod.err")" "which virtiofsd (uid 107) shares with the guest as the virtiofs tag kvpodshare" \
    "the converter says how the claim is shared and how to bind a host directory"
e2e_contains "$(grep -A1 -- '- name: virtiofs-kvpodshare' "$pod"; grep -- '--socket-path=' "$pod")" \
    "--socket-path=/var/run/kubevirt/virtiofs-containers/kvpodshare.sock" \
    "the Pod has KubeVirt's virtiofsd container and socket path"
e2e_vm_run_setup "$pod.err"

# --- the boot ------------------------------------------------------------------
t0=$(e2e_now_ms)
e2e_vm_play "$pod"
e2e_is "$?" 0 "podman kube play starts the Pod" || e2e_diag "$(cat "$pod.play")"
out=$(e2e_vm_wait_ready "$vm")
e2e_diag "kube play to KVPOD-READY: $(e2e_elapsed "$t0")"
if [ -z "$(e2e_vm_guest_line "$out" READY)" ]; then
    e2e_diag "$(command podman logs --tail 30 "virt-launcher-$vm-compute" 2>&1)"
    e2e_diag "$(command podman logs --tail 20 "virt-launcher-$vm-virtiofs-kvpodshare" 2>&1)"
fi
e2e_is "$(e2e_vm_guest_line "$out" "VIRTIOFS kvpodshare")" "KVPOD-VIRTIOFS kvpodshare mounted devices=1" \
    "the guest mounted the virtiofs tag kvpodshare (one virtio-fs device)"
e2e_is "$(e2e_vm_guest_line "$out" "VIRTIOFS-FILE kvpodshare to-guest")" \
    "KVPOD-VIRTIOFS-FILE kvpodshare to-guest KVPOD-HOST-TOKEN $token" "the guest read the file the host wrote"
e2e_is "$(e2e_vm_guest_line "$out" VIRTIOFS-WROTE)" "KVPOD-VIRTIOFS-WROTE kvpodshare from-guest" "the guest wrote a file"
e2e_is "$(cat "$share/from-guest" 2>&1)" "KVPOD-FROM-GUEST kernel=$(e2e_vm_guest_line "$out" GUEST-BOOTED | sed -n 's/^KVPOD-GUEST-BOOTED kernel=//p')" \
    "the host reads the guest's file in the shared directory"
e2e_is "$(stat -c %u:%g "$share/from-guest" 2>&1)" "107:107" "the guest's file was made by virtiofsd as uid 107"
e2e_is "$(stat -c %u:%g "$share/to-guest" 2>&1)" "0:0" "the host's file keeps its owner"

# virtiofsd as KubeVirt runs it, and no host device for it.
vfs=virt-launcher-$vm-virtiofs-kvpodshare
vfs_pid=$(command podman inspect --format '{{.State.Pid}}' "$vfs" 2>&1)
e2e_is "$(awk '/^Uid:/ { u = $2 } /^CapEff:/ { c = $2 } END { print u, c }' "/proc/$vfs_pid/status" 2>&1)" \
    "107 0000000000000000" "virtiofsd runs as uid 107 with no effective capabilities"
e2e_contains "$(command podman top "$vfs" args 2>&1)" \
    "/usr/libexec/virtiofsd --socket-path=/var/run/kubevirt/virtiofs-containers/kvpodshare.sock --shared-dir=/kvpodshare --sandbox=none --cache=auto" \
    "virtiofsd runs with KubeVirt's flags"
e2e_is "$(command podman inspect --format '{{len .HostConfig.Devices}}' "$vfs" 2>&1)" 0 \
    "the hook gave the virtiofs container no device"
e2e_contains "$(command podman inspect --format '{{range .HostConfig.Devices}}{{.PathInContainer}} {{end}}' "virt-launcher-$vm-compute" 2>&1)" \
    "/dev/net/tun" "the compute container got its device (/dev/net/tun)"
# virtiofsd removes its socket once QEMU has connected: the domain says which it used.
xml=$(command podman exec "virt-launcher-$vm-compute" virsh dumpxml "default_$vm" 2>&1)
e2e_contains "$(tr -d '\n' <<<"$xml" | grep -o "<filesystem type='mount'.*</filesystem>" | tr -s ' ')" \
    "<source socket='/var/run/kubevirt/virtiofs-containers/kvpodshare.sock'/>" \
    "virt-launcher's domain has the virtiofs device on virtiofsd's socket in the shared emptyDir"
e2e_contains "$xml" "<target dir='kvpodshare'/>" "the domain's virtiofs tag is the filesystem's name"

# --- a ConfigMap and a Secret shared over virtiofs (second boot) ----------------
t1=$(e2e_now_ms)
command podman pod rm -f -t 0 "virt-launcher-$vm" >/dev/null 2>&1
vmc=$E2E_PREFIX-c
config_map=$vmc-config
secret=$vmc-secret
config_word=kvpod-config-$RANDOM$RANDOM
secret_word=kvpod-secret-$RANDOM$RANDOM
e2e_on_cleanup "command podman secret rm '$secret' >/dev/null 2>&1"
e2e_vm_forget "$vmc"
# The Secret's setup line calls kubevirt-vm-to-pod by name, as a user's PATH has it.
mkdir -p "$E2E_TMP/bin"
ln -sf "$(cd "$(dirname "$E2E_CONVERTER")" && pwd)/$(basename "$E2E_CONVERTER")" "$E2E_TMP/bin/kubevirt-vm-to-pod"
export PATH=$E2E_TMP/bin:$PATH
sed -e "s/^  name: $vm\$/  name: $vmc/" -e '/^      - name: kvpodshare$/,$d' \
    -e 's/^\(          \)- name: kvpodshare$/&\n\1  virtiofs: {}\n\1- name: secretshare/' "$file" >"$E2E_TMP/$vmc.yaml"
cat >>"$E2E_TMP/$vmc.yaml" <<EOC
      - name: kvpodshare
        configMap:
          name: $config_map
      - name: secretshare
        secret:
          secretName: $secret
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: $config_map
data:
  settings.conf: |
    KVPOD-CONFIG $config_word
---
apiVersion: v1
kind: Secret
metadata:
  name: $secret
stringData:
  token: $secret_word
EOC
e2e_vm_convert "$E2E_TMP/$vmc.yaml" "$pod.c"
e2e_is "$?" 0 "the converter turns a VM sharing a ConfigMap over virtiofs into a Pod"
e2e_vm_run_setup "$pod.c.err"
e2e_vm_play "$pod.c"
status=$?
e2e_is "$status" 0 "podman kube play starts it (the ConfigMap beside the Pod)"
[ "$status" = 0 ] || e2e_diag "$(cat "$pod.c.play")"
out=""
[ "$status" = 0 ] && out=$(e2e_vm_wait_ready "$vmc")
e2e_diag "second boot, pod removed to KVPOD-READY: $(e2e_elapsed "$t1")"
[ -n "$(e2e_vm_guest_line "$out" READY)" ] || e2e_diag "$(command podman logs --tail 20 "virt-launcher-$vmc-virtiofs-kvpodshare" 2>&1)"
e2e_is "$(e2e_vm_guest_line "$out" "VIRTIOFS kvpodshare")" "KVPOD-VIRTIOFS kvpodshare mounted devices=2" \
    "the guest mounted the ConfigMap's virtiofs tag kvpodshare (two virtio-fs devices: the Secret's too)"
e2e_is "$(e2e_vm_guest_line "$out" "VIRTIOFS-FILE kvpodshare settings.conf")" \
    "KVPOD-VIRTIOFS-FILE kvpodshare settings.conf KVPOD-CONFIG $config_word" "the guest read the ConfigMap's key file through virtiofs"
e2e_is "$(e2e_vm_guest_line "$out" VIRTIOFS-WROTE)" "KVPOD-VIRTIOFS-WROTE kvpodshare failed" \
    "the guest cannot write into the ConfigMap (read-only, as KubeVirt shares it)"
e2e_is "$(command podman inspect --format '{{range .Mounts}}{{if eq .Destination "/var/run/kubevirt-private/config-map/kvpodshare"}}{{.RW}}{{end}}{{end}}' "virt-launcher-$vmc-virtiofs-kvpodshare" 2>&1)" \
    false "virtiofsd sees the ConfigMap read-only at virt-launcher's config-map directory"
vfs_secret=virt-launcher-$vmc-virtiofs-secretshare
e2e_is "$(command podman exec "$vfs_secret" cat /var/run/kubevirt-private/secret/secretshare/token 2>&1)" "$secret_word" \
    "the Secret's virtiofsd (uid 107) reads the Secret's file at virt-launcher's secret directory"
e2e_is "$(command podman inspect --format '{{range .Mounts}}{{if eq .Destination "/var/run/kubevirt-private/secret/secretshare"}}{{.RW}}{{end}}{{end}}' "$vfs_secret" 2>&1)" \
    false "and sees it read-only"
xml=$(command podman exec "virt-launcher-$vmc-compute" virsh dumpxml "default_$vmc" 2>&1)
e2e_contains "$(tr -d '\n' <<<"$xml" | sed 's/> *</></g')" \
    "<source socket='/var/run/kubevirt/virtiofs-containers/secretshare.sock'/><target dir='secretshare'/>" \
    "the domain has the Secret's virtiofs device on its virtiofsd's socket"
e2e_finish
