#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
# e2e: launcher
#
# What a VM names by reference, with KubeVirt's own virt-launcher and the test
# guest (one boot for every check): cloud-init user data from a Secret
# (cloudInitNoCloud secretRef), an SSH public key from a Secret
# (accessCredentials, noCloud propagation: virt-launcher writes it into the
# NoCloud meta-data), a ConfigMap volume and a Secret volume as disks (the
# guest lists the files of virt-launcher's ISOs), a downwardAPI volume (the
# Pod's labels, annotations, name and namespace, which the converter writes
# into a ConfigMap beside the Pod: kube play has no downwardAPI volume) as a
# disk. The Secrets reach Podman
# through the setup lines the converter prints (kubevirt-vm-to-pod
# podman-secret | podman secret create), but the disk's Secret, which the user
# put into Podman beforehand (podman secret create NAME FILE, FILE in the form
# this Podman's kube play reads) and names with --podman-secret; the ConfigMap
# as a document beside the Pod. No secret value is in the Pod YAML, the converter's messages or the
# Pod's configuration; a Secret the VM names but the user did not give is a
# clear error and nothing on stdout.
#
# Environment: as vm_boot.sh (E2E_ACCEL, E2E_BOOT_TIMEOUT).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

e2e_vm_init vmrefs

# The setup lines call kubevirt-vm-to-pod by name, as a user's PATH has it.
mkdir -p "$E2E_TMP/bin"
ln -sf "$(cd "$(dirname "$E2E_CONVERTER")" && pwd)/$(basename "$E2E_CONVERTER")" "$E2E_TMP/bin/kubevirt-vm-to-pod"
export PATH=$E2E_TMP/bin:$PATH

vm=$E2E_PREFIX-r
userdata_secret=$vm-userdata
keys_secret=$vm-keys
disk_secret=$vm-disk-secret
config_map=$vm-config
# Values that must never show outside the guest and Podman's secret store.
secret_word=kvpod-secret-$$-userdata
token_word=kvpod-secret-$$-token
ssh_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKvpodtestkey$$ kvpod@e2e"
for name in "$userdata_secret" "$keys_secret" "$disk_secret"; do
    e2e_on_cleanup "command podman secret rm '$name' >/dev/null 2>&1; command podman volume rm -f '$name' >/dev/null 2>&1"
done
e2e_on_cleanup "command podman volume rm -f '$config_map' >/dev/null 2>&1"
e2e_vm_forget "$vm"

file=$E2E_TMP/vm.yaml
cat >"$file" <<YAML
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $vm
spec:
  runStrategy: Always
  template:
    metadata:
      labels:
        a.kvpod.io/e2e: downward-$$
      annotations:
        a.kvpod.io/note: say "hi"
    spec:
      terminationGracePeriodSeconds: 0
      accessCredentials:
      - sshPublicKey:
          source:
            secret:
              secretName: $keys_secret
          propagationMethod:
            noCloud: {}
      domain:
        devices:
          disks:
          - name: containerdisk
            disk: {bus: virtio}
          - name: cloudinitdisk
            disk: {bus: virtio}
          - name: app-config
            disk: {bus: virtio}
          - name: app-secret
            disk: {bus: virtio}
          - name: podinfo
            disk: {bus: virtio}
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
      - name: cloudinitdisk
        cloudInitNoCloud:
          secretRef:
            name: $userdata_secret
      - name: app-config
        configMap:
          name: $config_map
      - name: app-secret
        secret:
          secretName: $disk_secret
      - name: podinfo
        downwardAPI:
          fields:
          - path: labels
            fieldRef: {fieldPath: metadata.labels}
          - path: annotations
            fieldRef: {fieldPath: metadata.annotations}
          - path: podname
            fieldRef: {fieldPath: metadata.name}
          - path: e2e
            fieldRef: {fieldPath: "metadata.labels['a.kvpod.io/e2e']"}
---
apiVersion: v1
kind: Secret
metadata:
  name: $userdata_secret
stringData:
  userdata: |
    #cloud-config
    kvpod-word: $secret_word
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: $config_map
data:
  settings.conf: |
    kvpod-config-value=42
YAML
# The key in a file of its own (--secret-file), base64 under data as kubectl
# writes it.
cat >"$E2E_TMP/secrets.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: $keys_secret
data:
  key1: $(printf '%s' "$ssh_key" | base64 -w0)
YAML
# The disk's Secret already in Podman, made by the user in the form kube play
# reads: before 4.5 {"data": {KEY: TEXT}} (values as they are), from 4.5 a
# Kubernetes Secret.
if e2e_podman_before 4 5; then
    printf '{"data": {"token": "%s"}}\n' "$token_word" >"$E2E_TMP/disk-secret"
else
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\nstringData:\n  token: %s\n' "$disk_secret" "$token_word" >"$E2E_TMP/disk-secret"
fi
e2e_check "the user puts the disk's Secret into Podman (podman secret create NAME FILE)" \
    command podman secret create "$disk_secret" "$E2E_TMP/disk-secret"

# --- a Secret the VM names but the user did not give -------------------------
out=$("$E2E_CONVERTER" "$file" --launcher-image "$E2E_LAUNCHER_IMAGE" --podman-version "$E2E_PODMAN_VERSION" 2>"$E2E_TMP/missing.err")
e2e_is "$?" 1 "without --secret-file the converter fails"
e2e_is "$out" "" "and writes nothing on stdout"
e2e_contains "$(cat "$E2E_TMP/missing.err")" "the Secret '$keys_secret' (/spec/template/spec/accessCredentials/0/sshPublicKey/source/secret/secretName)" "the error names the missing Secret and where the VM names it"
e2e_contains "$(cat "$E2E_TMP/missing.err")" "--secret-file FILE" "and says how to give it"

# --- convert, set up, play ---------------------------------------------------
pod=$E2E_TMP/pod.yaml
e2e_vm_convert "$file" "$pod" --secret-file "$E2E_TMP/secrets.yaml" --podman-secret "$disk_secret"
status=$?
e2e_is "$status" 0 "the converter turns the VM, its Secrets and its ConfigMap into a Pod"
[ "$status" = 0 ] || e2e_diag "$(cat "$pod.err")"
for word in "$secret_word" "$token_word" "AAAAC3NzaC1lZDI1NTE5AAAAIKvpodtestkey$$"; do
    e2e_lacks "$(cat "$pod" "$pod.err")" "$word" "no secret value in the Pod YAML or the converter's messages (${word:0:18}...)"
done
e2e_check "the printed setup lines (podman pull, volume, podman-secret | podman secret create) run" e2e_vm_run_setup "$pod.err"
t0=$(e2e_now_ms)
e2e_vm_play "$pod"
status=$?
e2e_is "$status" 0 "podman kube play starts the Pod (the ConfigMap beside it, the Secrets from Podman)"
[ "$status" = 0 ] || e2e_diag "$(cat "$pod.play")"

out=$(e2e_vm_wait_ready "$vm")
e2e_diag "kube play to the guest's KVPOD-READY: $(e2e_elapsed "$t0")"
e2e_contains "$out" "KVPOD-READY" "the guest booted"
case $out in *KVPOD-READY*) ;; *) e2e_diag "$(command podman logs --tail 30 "virt-launcher-$vm-compute" 2>&1)" ;; esac
out=$(tr -d '\r' <<<"$out")
userdata=$(sed -n '/^KVPOD-USERDATA-BEGIN$/,/^KVPOD-USERDATA-END$/p' <<<"$out")
e2e_contains "$userdata" "kvpod-word: $secret_word" "the guest's NoCloud user data came from the Secret (cloudInitNoCloud secretRef)"
metadata=$(sed -n '/^KVPOD-METADATA-BEGIN$/,/^KVPOD-METADATA-END$/p' <<<"$out")
e2e_contains "$metadata" "$ssh_key" "the SSH key of the accessCredentials Secret is in the guest's NoCloud meta-data (public-keys)"
e2e_contains "$out" " settings.conf kvpod-config-value=42" "the ConfigMap volume's file is readable in the guest (its disk)"
e2e_contains "$out" " token $token_word" "the Secret volume's file, from the existing Podman secret (--podman-secret), is readable in the guest (its disk)"
# The downward API's files, as the kubelet writes them (one line shown each:
# the first of the sorted labels and annotations is the VM's own).
e2e_contains "$out" " labels a.kvpod.io/e2e=\"downward-$$\"" "the downwardAPI volume's labels file is readable in the guest, the Pod's labels in Kubernetes' format"
e2e_contains "$out" " annotations a.kvpod.io/note=\"say \\\"hi\\\"\"" "and its annotations file, values quoted as Kubernetes quotes them"
e2e_contains "$out" " podname virt-launcher-$vm" "and the Pod's name (metadata.name)"
e2e_contains "$out" " e2e downward-$$" "and one label's value (metadata.labels['KEY'])"
e2e_is "$(command podman pod inspect --format '{{index .Labels "a.kvpod.io/e2e"}}' "virt-launcher-$vm" 2>&1)" "downward-$$" \
    "the Pod Podman runs carries the label the guest read"
inspect=$(command podman pod inspect "virt-launcher-$vm" 2>&1; command podman inspect "virt-launcher-$vm-compute" 2>&1)
for word in "$secret_word" "$token_word"; do
    e2e_lacks "$inspect" "$word" "no secret value in the Pod's or compute container's configuration (${word:0:18}...)"
done

e2e_finish
