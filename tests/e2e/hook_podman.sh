#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
# End-to-end tests of oci-kubevirt-hook under real Podman (rootful, runc):
# podman run, kube play (init / compute / sidecar), untouched containers,
# refusal without /dev/kvm, restarts, and the pod-annotation size limit that
# differs between Podman 4.x (rejects values over 63 characters) and 5.x.
# The host devices come from fake host roots with unusual device numbers, so
# what a container sees can only have come from the hook.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_init hook
img=$(e2e_image) || { e2e_not_ok "build the busybox image"; e2e_finish; }
e2e_log_start || true

# Fake host roots. The numbers are not KVM's, tun's or vhost-net's (10:232,
# 10:200, 10:238) and no driver serves them: opening such a node inside a
# container fails with ENODEV when the device cgroup allows it and with EPERM
# when it does not, so the kernel itself tells whether the rules are in place.
full=$E2E_TMP/root-full
e2e_mknod "$full" /dev/kvm c 10 99 0660
e2e_mknod "$full" /dev/net/tun c 10 98 0666
e2e_mknod "$full" /dev/vhost-net c 10 97 0660
nokvm=$E2E_TMP/root-nokvm
e2e_mknod "$nokvm" /dev/net/tun c 10 98 0666
e2e_mknod "$nokvm" /dev/vhost-net c 10 97 0660
printf '{}\n' >"$E2E_TMP/hook.yaml"
printf 'allowEmulation: true\n' >"$E2E_TMP/hook-emulation.yaml"
out=$E2E_TMP/out
mkdir -p "$out"

# The three nodes as the container sees them, and what opening each gives.
# shellcheck disable=SC2016  # expanded by the container's shell
probe='for p in /dev/kvm /dev/net/tun /dev/vhost-net; do
  if [ -c $p ]; then set -- $(ls -ln $p); echo "$p $1 $3:$4 $5$6"; else echo "$p absent"; fi
  echo "open $p: $( (: <$p) 2>&1 | sed "s/.*: //")"
done
if [ -r /sys/fs/cgroup/devices/devices.list ]; then
  grep -E "^c 10:9[789] " /sys/fs/cgroup/devices/devices.list | sed "s/^/cgroup: /"
fi'
want_nodes="/dev/kvm crw-rw---- 107:107 10,99
open /dev/kvm: No such device
/dev/net/tun crw-rw-rw- 107:107 10,98
open /dev/net/tun: No such device
/dev/vhost-net crw-rw---- 107:107 10,97
open /dev/vhost-net: No such device"
want_cgroup_v1="cgroup: c 10:97 rwm
cgroup: c 10:98 rwm
cgroup: c 10:99 rwm"
want_none="/dev/kvm absent
open /dev/kvm: no such file
/dev/net/tun absent
open /dev/net/tun: no such file
/dev/vhost-net absent
open /dev/vhost-net: no such file"

printf '%s\n' "$probe" >"$out/probe.sh"

podman_version=$(command podman version --format '{{.Client.Version}}')
podman_major=${podman_version%%.*}
podman_minor=${podman_version#*.}
podman_minor=${podman_minor%%.*}

cgroup_v1=0
[ -r /sys/fs/cgroup/devices/devices.list ] && cgroup_v1=1

vmi() {  # NAME [DEVICES-JSON]
    printf '{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"%s"},"spec":{"domain":{"devices":%s}}}' \
        "$1" "${2:-{\}}"
}

# The probe's node lines and cgroup lines, apart.
nodes_of() { grep -v '^cgroup: ' <<<"$1"; }
cgroup_of() { grep '^cgroup: ' <<<"$1" | sort; }

# What the saved OCI config (the runtime's input, after the hooks) holds for
# our three fake nodes: device entries and allow rules, one line each.
config_devices() {
    e2e_oci_config "$1" | jq -r '
      (.linux.devices // [] | .[] | select(.major == 10 and .minor >= 97 and .minor <= 99)
        | "device \(.path) \(.type) \(.major):\(.minor) mode=\(.fileMode) uid=\(.uid) gid=\(.gid)"),
      (.linux.resources.devices // [] | .[] | select(.allow and .major == 10 and .minor >= 97 and .minor <= 99)
        | "allow \(.type) \(.major):\(.minor) \(.access)")' | sort
}
want_config="allow c 10:97 rwm
allow c 10:98 rwm
allow c 10:99 rwm
device /dev/kvm c 10:99 mode=432 uid=107 gid=107
device /dev/net/tun c 10:98 mode=438 uid=107 gid=107
device /dev/vhost-net c 10:97 mode=432 uid=107 gid=107"

# Podman's own words when a precreate hook fails (4.3 and 5.x alike).
check_podman_refusal() {  # WHAT OUTPUT HOST-ROOT
    e2e_is "$(tail -n1 <<<"$2")" \
        "Error: setting up OCI Hooks: executing [oci-kubevirt-hook --host-root $3 --config $E2E_TMP/hook.yaml]: exit status 1" \
        "$1: Podman names the failing hook"
}

short_id() { command podman inspect --format '{{.Id}}' "$1" 2>/dev/null | cut -c1-12; }

check_devices() {  # WHAT PROBE-OUTPUT
    e2e_is "$(nodes_of "$2")" "$want_nodes" "$1: the three nodes with the fake root's numbers, owner 107, allowed by the cgroup"
    if [ "$cgroup_v1" = 1 ]; then
        e2e_is "$(cgroup_of "$2")" "$want_cgroup_v1" "$1: devices.list allows c 10:97-99 rwm"
    else
        e2e_skip "$1: devices.list allows c 10:97-99 rwm" "no cgroup v1 devices controller (the open probe covers it)"
    fi
}

check_untouched() {  # WHAT PROBE-OUTPUT
    e2e_is "$(nodes_of "$2")" "$want_none" "$1: no kvm, tun or vhost-net node"
    e2e_is "$(cgroup_of "$2")" "" "$1: devices.list has no rule for c 10:97-99"
}

# --- podman run --------------------------------------------------------------
e2e_write_hook kubevirt "$full" "$E2E_TMP/hook.yaml"
e2e_log_mark
ctr=$E2E_PREFIX-run
if got=$(podman run --name "$ctr" --network none --annotation "$E2E_ANNOTATION=vm-run" \
    --env "STANDALONE_VMI=$(vmi vm-run)" "$img" sh -c "$probe" 2>&1); then
    e2e_ok "podman run: the compute container starts"
    check_devices "podman run" "$got"
    e2e_is "$(config_devices "$ctr")" "$want_config" "podman run: the saved OCI config has each device and rule once"
    id=$(short_id "$ctr")
    e2e_log_check "podman run: the hook logs the kvm grant" \
        "container $id: granted kvm: /dev/kvm (c 10:99) for hardware acceleration (devices.kubevirt.io/kvm)"
    e2e_log_check "podman run: the hook names the spec's source" \
        "container $id: compute container of VM 'vm-run' (spec from env STANDALONE_VMI)"
else
    e2e_not_ok "podman run: the compute container starts" "$got"
fi

# --- a multi-line annotation on the command line ----------------------------
# A YAML VMI needs no commas, so podman run --annotation can carry it where
# Podman keeps newlines. Podman 4.x keeps a value's first line only: the hook
# gets a cut document and must refuse it rather than start the VM without
# its devices. Podman 5.x passes the whole value, and the hooks.d "when"
# pattern must match a value with newlines (Go's "^.*$" does not: the hook
# would not run at all).
yaml_vmi='apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: vm-yaml
spec:
  domain:
    devices:
      autoattachPodInterface: false'
kvm_only="/dev/kvm crw-rw---- 107:107 10,99
open /dev/kvm: No such device
/dev/net/tun absent
open /dev/net/tun: no such file
/dev/vhost-net absent
open /dev/vhost-net: no such file"
ctr=$E2E_PREFIX-yaml
e2e_log_mark
got=$(podman run --name "$ctr" --network none --annotation "$E2E_ANNOTATION=$yaml_vmi" "$img" sh -c "$probe" 2>&1)
status=$?
if [ "$podman_major" -lt 5 ]; then
    e2e_is "$status" 126 "multi-line annotation via podman run on Podman $podman_version: the start is refused"
    e2e_log_check "multi-line annotation via podman run on Podman $podman_version: the hook got the first line only" \
        "reading the VM spec from annotation $E2E_ANNOTATION: annotation $E2E_ANNOTATION: document is kubevirt.io/v1"
else
    e2e_is "$status" 0 "multi-line annotation via podman run on Podman $podman_version: the container starts"
    e2e_is "$(nodes_of "$got")" "$kvm_only" \
        "multi-line annotation via podman run on Podman $podman_version: devices of the annotation's VM (kvm only)"
    e2e_log_check "multi-line annotation via podman run on Podman $podman_version: the hook read the annotation" \
        "container $(short_id "$ctr"): compute container of VM 'vm-yaml' (spec from annotation $E2E_ANNOTATION)"
fi

# --- a container without the annotation --------------------------------------
ctr=$E2E_PREFIX-plain
got=$(podman run --name "$ctr" --network none --env "STANDALONE_VMI=$(vmi vm-plain)" "$img" sh -c "$probe" 2>&1)
check_untouched "no annotation" "$got"
e2e_is "$(config_devices "$ctr")" "" "no annotation: the saved OCI config has no fake device"

# --- the annotation without a spec: refused ----------------------------------
e2e_log_mark
got=$(podman run --rm --name "$E2E_PREFIX-nospec" --network none --annotation "$E2E_ANNOTATION=vm-nospec" \
    "$img" true 2>&1)
status=$?
e2e_is "$status" 126 "annotation without a spec: podman run fails (126: the container could not be created)"
check_podman_refusal "annotation without a spec" "$got" "$full"
e2e_diag "podman said: $got"
e2e_log_check "annotation without a spec: the hook says why" \
    "annotation kubevirt-vm-to-pod/vm: no VM spec: the annotation value 'vm-nospec' is a name, not a VirtualMachine document, and the container has no env STANDALONE_VMI; pass the VMI with --env STANDALONE_VMI=<json> or put the whole VM document in the annotation"

# --- no /dev/kvm ---------------------------------------------------------------
e2e_write_hook kubevirt "$nokvm" "$E2E_TMP/hook.yaml"
e2e_log_mark
got=$(podman run --rm --name "$E2E_PREFIX-nokvm" --network none --annotation "$E2E_ANNOTATION=vm-nokvm" \
    --env "STANDALONE_VMI=$(vmi vm-nokvm)" "$img" true 2>&1)
status=$?
e2e_is "$status" 126 "no /dev/kvm: podman run fails"
check_podman_refusal "no /dev/kvm" "$got" "$nokvm"
e2e_diag "podman said: $got"
e2e_log_check "no /dev/kvm: the hook's refusal is logged" \
    "refusing to start VM 'vm-nokvm': /dev/kvm: the host has no /dev/kvm, which the VM needs for hardware acceleration (devices.kubevirt.io/kvm); load the KVM module"
e2e_log_check "no /dev/kvm: the refusal says how to fix it" \
    "or set allowEmulation: true in the hook's configuration to run the VM with software emulation"

e2e_write_hook kubevirt "$nokvm" "$E2E_TMP/hook-emulation.yaml"
e2e_log_mark
ctr=$E2E_PREFIX-emul
if got=$(podman run --name "$ctr" --network none --annotation "$E2E_ANNOTATION=vm-emul" \
    --env "STANDALONE_VMI=$(vmi vm-emul)" "$img" sh -c "$probe" 2>&1); then
    e2e_ok "no /dev/kvm, allowEmulation: the container starts"
    e2e_is "$(nodes_of "$got" | grep -A1 '^/dev/net/tun\|^/dev/kvm')" "/dev/kvm absent
open /dev/kvm: no such file
/dev/net/tun crw-rw-rw- 107:107 10,98
open /dev/net/tun: No such device" "no /dev/kvm, allowEmulation: tun only"
    e2e_contains "$got" "/dev/vhost-net absent" "no /dev/kvm, allowEmulation: no vhost-net without KVM"
    e2e_log_check "no /dev/kvm, allowEmulation: the hook logs why vhost-net is skipped" \
        "container $(short_id "$ctr"): skipped vhost-net: no KVM"
else
    e2e_not_ok "no /dev/kvm, allowEmulation: the container starts" "$got"
fi

# --- restart -----------------------------------------------------------------
e2e_write_hook kubevirt "$full" "$E2E_TMP/hook.yaml"
ctr=$E2E_PREFIX-restart
: >"$out/restart.txt"
e2e_log_mark
if got=$(podman run -d --name "$ctr" --network none -v "$out:/out" --annotation "$E2E_ANNOTATION=vm-restart" \
    --env "STANDALONE_VMI=$(vmi vm-restart)" "$img" sh -c "{ $probe; echo end; } >>/out/restart.txt; exec sleep 600" 2>&1); then
    id=$(short_id "$ctr")
    got=$(podman restart -t 0 "$ctr" 2>&1)
    e2e_is "$?" 0 "restart: podman restart succeeds"
    for ((i = 0; i < 50; i++)); do [ "$(grep -c '^end$' "$out/restart.txt")" -ge 2 ] && break; sleep 0.1; done
    e2e_is "$(grep -c '^end$' "$out/restart.txt")" 2 "restart: the container ran twice"
    second=$(awk 'n == 1 && $0 != "end"; $0 == "end" { n++ }' "$out/restart.txt")
    check_devices "restart" "$second"
    e2e_is "$(config_devices "$ctr")" "$want_config" "restart: the saved OCI config still has each device and rule once"
    e2e_log_wait "container $id: granted kvm" >/dev/null
    if [ "$E2E_LOG_MODE" = none ]; then
        e2e_skip "restart: the hook ran at both starts" "cannot read the hook's syslog"
    else
        for ((i = 0; i < 50; i++)); do
            [ "$(e2e_log_text | grep -cF "container $id: granted kvm")" -ge 2 ] && break
            sleep 0.1
        done
        e2e_is "$(e2e_log_text | grep -cF "container $id: granted kvm")" 2 "restart: the hook ran at both starts"
    fi
else
    e2e_not_ok "restart: the container starts" "$got"
fi

# --- kube play: init, compute, sidecar ---------------------------------------
# Each container runs the probe from the shared hostPath directory and writes
# what it sees there (the init container is gone by the time we could exec
# into it).
pod=$E2E_PREFIX-pod
cat >"$E2E_TMP/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  annotations:
    $E2E_ANNOTATION: vm-pod
spec:
  restartPolicy: Never
  volumes:
  - name: out
    hostPath: {path: $out, type: Directory}
  initContainers:
  - name: init
    image: $img
    command: ["sh", "-c", 'sh /out/probe.sh >/out/init.txt']
    volumeMounts: [{name: out, mountPath: /out}]
  containers:
  - name: compute
    image: $img
    command: ["sh", "-c", 'sh /out/probe.sh >/out/compute.tmp; mv /out/compute.tmp /out/compute.txt; exec sleep 600']
    env:
    - name: STANDALONE_VMI
      value: '$(vmi vm-pod)'
    volumeMounts: [{name: out, mountPath: /out}]
  - name: sidecar
    image: $img
    command: ["sh", "-c", 'sh /out/probe.sh >/out/sidecar.tmp; mv /out/sidecar.tmp /out/sidecar.txt; exec sleep 600']
    volumeMounts: [{name: out, mountPath: /out}]
EOF
e2e_log_mark
if got=$(podman kube play --network none "$E2E_TMP/pod.yaml" 2>&1); then
    e2e_ok "kube play: the pod starts"
    for ((i = 0; i < 100; i++)); do [ -e "$out/compute.txt" ] && [ -e "$out/sidecar.txt" ] && break; sleep 0.1; done
    check_devices "kube play compute" "$(cat "$out/compute.txt" 2>&1)"
    check_untouched "kube play init" "$(cat "$out/init.txt" 2>&1)"
    check_untouched "kube play sidecar" "$(cat "$out/sidecar.txt" 2>&1)"
    e2e_is "$(config_devices "$pod-compute")" "$want_config" "kube play compute: the saved OCI config has each device and rule once"
    e2e_is "$(config_devices "$pod-sidecar")" "" "kube play sidecar: the saved OCI config has no fake device"
    e2e_log_check "kube play: the hook picks the compute container" \
        "container $(short_id "$pod-compute"): compute container of VM 'vm-pod' (spec from env STANDALONE_VMI)"
    e2e_log_check "kube play: the hook leaves the sidecar alone" \
        "container $(short_id "$pod-sidecar"): unchanged: in a VM pod but without env STANDALONE_VMI (init container or sidecar)"
else
    e2e_not_ok "kube play: the pod starts" "$got"
fi
command podman pod rm -f -t 0 "$pod" >/dev/null 2>&1

# --- the VM spec in the pod annotation (over 63 characters) ------------------
# Podman <= 4.6 rejects kube-play annotation values over 63 characters; 5.x
# takes them, so the whole VM can travel in the pod annotation. The env of
# the compute container names another VM and asks for all devices; the
# annotation's VM has no network, so only /dev/kvm proves the hook used it.

# Writes a one-container VM pod NAME whose annotation value is VALUE (a YAML
# scalar as written), plays it and sets got/status; the container writes its
# probe to $out/NAME.txt.
play_annotated_pod() {  # NAME VALUE
    cat >"$E2E_TMP/$1.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $1
  annotations:
    $E2E_ANNOTATION: $2
spec:
  restartPolicy: Never
  volumes:
  - name: out
    hostPath: {path: $out, type: Directory}
  containers:
  - name: compute
    image: $img
    command: ["sh", "-c", 'sh /out/probe.sh >/out/$1.tmp; mv /out/$1.tmp /out/$1.txt; exec sleep 600']
    env:
    - name: STANDALONE_VMI
      value: '$(vmi vm-from-env)'
    volumeMounts: [{name: out, mountPath: /out}]
EOF
    e2e_log_mark
    got=$(podman kube play --network none "$E2E_TMP/$1.yaml" 2>&1)
    status=$?
}

check_annotated_pod() {  # NAME WHAT VM
    local i
    for ((i = 0; i < 100; i++)); do [ -e "$out/$1.txt" ] && break; sleep 0.1; done
    e2e_is "$(nodes_of "$(cat "$out/$1.txt" 2>&1)")" "$kvm_only" "$2: devices of the annotation's VM (kvm only)"
    e2e_log_check "$2: the hook read the spec from the annotation" \
        "container $(short_id "$1-compute"): compute container of VM '$3' (spec from annotation $E2E_ANNOTATION)"
}

spec=$(vmi vm-long '{"autoattachPodInterface":false}')
pod=$E2E_PREFIX-long
play_annotated_pod "$pod" "'$spec'"
e2e_diag "podman $podman_version kube play with a ${#spec}-character annotation: status $status: $got"
if [ "$podman_major" -lt 4 ] || { [ "$podman_major" = 4 ] && [ "$podman_minor" -le 6 ]; }; then
    e2e_is "$status" 125 "long annotation on Podman $podman_version: kube play fails"
    e2e_is "$(tail -n1 <<<"$got")" \
        "Error: invalid annotation \"$E2E_ANNOTATION\"=\"${spec//\"/\\\"}\" value length exceeds Kubernetetes max 63" \
        "long annotation on Podman $podman_version: Podman's error text"
elif [ "$podman_major" -ge 5 ]; then
    e2e_is "$status" 0 "long annotation on Podman $podman_version: kube play accepts it"
    check_annotated_pod "$pod" "long annotation on Podman $podman_version" vm-long
    command podman pod rm -f -t 0 "$pod" >/dev/null 2>&1

    # The same VM as a YAML block: a value with newlines, which the hooks.d
    # "when" pattern must match too.
    pod=$E2E_PREFIX-yaml
    play_annotated_pod "$pod" "|
$(sed -e 's/^/      /' -e 's/vm-yaml/vm-yaml-pod/' <<<"$yaml_vmi")"
    e2e_is "$status" 0 "YAML block annotation on Podman $podman_version: kube play accepts it"
    [ "$status" = 0 ] || e2e_diag "$got"
    check_annotated_pod "$pod" "YAML block annotation on Podman $podman_version" vm-yaml-pod
else
    e2e_skip "long annotation on Podman $podman_version" "4.7-4.9 need kube play --no-trunc"
fi
command podman pod rm -f -t 0 "$pod" >/dev/null 2>&1

e2e_finish
