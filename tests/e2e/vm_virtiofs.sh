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

e2e_init vmvirtiofs
converter=${E2E_CONVERTER:-$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod}
[ -x "$converter" ] || e2e_skip_all "no converter at $converter (build first)"
boot_timeout=${E2E_BOOT_TIMEOUT:-300}
version=$(command podman version --format '{{.Client.Version}}')
e2e_diag "Podman $version"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
elapsed() { echo "$(($(now_ms) - $1)) ms"; }

# Nested (podman5/run.sh), the images come as tarballs the host built.
if [ -n "${E2E_LAUNCHER_TAR:-}" ] && ! command podman image exists "$E2E_LAUNCHER_IMAGE"; then
    mapfile -t changes <"$E2E_LAUNCHER_TAR.changes"
    command podman import "${changes[@]/#/--change=}" "$E2E_LAUNCHER_TAR" "$E2E_LAUNCHER_IMAGE" >/dev/null ||
        e2e_skip_all "cannot import $E2E_LAUNCHER_TAR"
fi
if [ -n "${E2E_GUEST_TAR:-}" ] && ! command podman image exists "$E2E_GUEST_IMAGE"; then
    command podman import "$E2E_GUEST_TAR" "$E2E_GUEST_IMAGE" >/dev/null || e2e_skip_all "cannot import $E2E_GUEST_TAR"
fi
launcher=$("$here/launcher/build.sh") || {
    [ $? = 77 ] && e2e_skip_all "no virt-launcher image"
    e2e_not_ok "launcher/build.sh failed"; E2E_FINISHED=1; e2e_finish
}
guest=${E2E_GUEST_IMAGE:-}
[ -n "$guest" ] || guest=$("$here/guest/build.sh") || {
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
EOC
[ "${version%%.*}" -lt 5 ] && printf 'stop_timeout = 90\n' >>"$CONTAINERS_CONF"

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
e2e_on_cleanup "command podman pod rm -f -t 0 'virt-launcher-$vm' >/dev/null 2>&1; command podman volume rm -f '$claim' >/dev/null 2>&1; command podman volume ls -q | grep -E '^virt-launcher-$vm-' | xargs -r podman volume rm -f >/dev/null"
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
          image: $guest
      - name: kvpodshare
        persistentVolumeClaim:
          claimName: $claim
EOC
pod=$E2E_TMP/pod.yaml
"$converter" "$file" --launcher-image "$launcher" --podman-version "$version" >"$pod" 2>"$pod.err"
e2e_is "$?" 0 "the converter turns the VM with a virtiofs filesystem into a Pod"
e2e_contains "$(cat "$pod.err")" "which virtiofsd (uid 107) shares with the guest as the virtiofs tag kvpodshare" \
    "the converter says how the claim is shared and how to bind a host directory"
e2e_contains "$(grep -A1 -- '- name: virtiofs-kvpodshare' "$pod"; grep -- '--socket-path=' "$pod")" \
    "--socket-path=/var/run/kubevirt/virtiofs-containers/kvpodshare.sock" \
    "the Pod has KubeVirt's virtiofsd container and socket path"
while IFS= read -r line; do
    eval "${line#kubevirt-vm-to-pod: before podman kube play, run: }" >/dev/null
done < <(grep '^kubevirt-vm-to-pod: before podman kube play, run: ' "$pod.err")

console() { printf '%s\n' "$2" | timeout 60 "$converter" console --podman "$(command -v podman)" "$1" 2>&1; }
wait_ready() {
    local out="" deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ]; do
        out=$(console "$1" status)
        case $out in *KVPOD-READY*) break ;; esac
        case $(command podman inspect --format '{{.State.Status}}' "virt-launcher-$1-compute" 2>/dev/null) in
        running | created | configured | initialized) ;;
        *) [ $SECONDS -gt $((deadline - boot_timeout + 30)) ] && break ;;
        esac
        sleep 3
    done
    printf '%s\n' "$out"
}
guest_line() { grep -a "^KVPOD-$2" <<<"$1" | tail -n1 | tr -d '\r'; }

# --- the boot ------------------------------------------------------------------
t0=$(now_ms)
podman kube play "$pod" >"$pod.play" 2>&1
e2e_is "$?" 0 "podman kube play starts the Pod" || e2e_diag "$(cat "$pod.play")"
out=$(wait_ready "$vm")
e2e_diag "kube play to KVPOD-READY: $(elapsed "$t0")"
if [ -z "$(guest_line "$out" READY)" ]; then
    e2e_diag "$(command podman logs --tail 30 "virt-launcher-$vm-compute" 2>&1)"
    e2e_diag "$(command podman logs --tail 20 "virt-launcher-$vm-virtiofs-kvpodshare" 2>&1)"
fi
e2e_is "$(guest_line "$out" "VIRTIOFS kvpodshare")" "KVPOD-VIRTIOFS kvpodshare mounted devices=1" \
    "the guest mounted the virtiofs tag kvpodshare (one virtio-fs device)"
e2e_is "$(guest_line "$out" "VIRTIOFS-FILE kvpodshare to-guest")" \
    "KVPOD-VIRTIOFS-FILE kvpodshare to-guest KVPOD-HOST-TOKEN $token" "the guest read the file the host wrote"
e2e_is "$(guest_line "$out" VIRTIOFS-WROTE)" "KVPOD-VIRTIOFS-WROTE kvpodshare from-guest" "the guest wrote a file"
e2e_is "$(cat "$share/from-guest" 2>&1)" "KVPOD-FROM-GUEST kernel=$(guest_line "$out" GUEST-BOOTED | sed -n 's/^KVPOD-GUEST-BOOTED kernel=//p')" \
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
t1=$(now_ms)
command podman pod rm -f -t 0 "virt-launcher-$vm" >/dev/null 2>&1
vmc=$E2E_PREFIX-c
config_map=$vmc-config
secret=$vmc-secret
config_word=kvpod-config-$RANDOM$RANDOM
secret_word=kvpod-secret-$RANDOM$RANDOM
e2e_on_cleanup "command podman pod rm -f -t 0 'virt-launcher-$vmc' >/dev/null 2>&1; command podman secret rm '$secret' >/dev/null 2>&1; command podman volume ls -q | grep -E '^(virt-launcher-)?$vmc-' | xargs -r podman volume rm -f >/dev/null"
# The Secret's setup line calls kubevirt-vm-to-pod by name, as a user's PATH has it.
mkdir -p "$E2E_TMP/bin"
ln -sf "$(cd "$(dirname "$converter")" && pwd)/$(basename "$converter")" "$E2E_TMP/bin/kubevirt-vm-to-pod"
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
"$converter" "$E2E_TMP/$vmc.yaml" --launcher-image "$launcher" --podman-version "$version" >"$pod.c" 2>"$pod.c.err"
e2e_is "$?" 0 "the converter turns a VM sharing a ConfigMap over virtiofs into a Pod"
while IFS= read -r line; do
    eval "${line#kubevirt-vm-to-pod: before podman kube play, run: }" >/dev/null
done < <(grep '^kubevirt-vm-to-pod: before podman kube play, run: ' "$pod.c.err")
podman kube play "$pod.c" >"$pod.c.play" 2>&1
status=$?
e2e_is "$status" 0 "podman kube play starts it (the ConfigMap beside the Pod)"
[ "$status" = 0 ] || e2e_diag "$(cat "$pod.c.play")"
out=""
[ "$status" = 0 ] && out=$(wait_ready "$vmc")
e2e_diag "second boot, pod removed to KVPOD-READY: $(elapsed "$t1")"
[ -n "$(guest_line "$out" READY)" ] || e2e_diag "$(command podman logs --tail 20 "virt-launcher-$vmc-virtiofs-kvpodshare" 2>&1)"
e2e_is "$(guest_line "$out" "VIRTIOFS kvpodshare")" "KVPOD-VIRTIOFS kvpodshare mounted devices=2" \
    "the guest mounted the ConfigMap's virtiofs tag kvpodshare (two virtio-fs devices: the Secret's too)"
e2e_is "$(guest_line "$out" "VIRTIOFS-FILE kvpodshare settings.conf")" \
    "KVPOD-VIRTIOFS-FILE kvpodshare settings.conf KVPOD-CONFIG $config_word" "the guest read the ConfigMap's key file through virtiofs"
e2e_is "$(guest_line "$out" VIRTIOFS-WROTE)" "KVPOD-VIRTIOFS-WROTE kvpodshare failed" \
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
