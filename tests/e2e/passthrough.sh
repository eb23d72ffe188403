#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
# End-to-end tests of GPU and PCI passthrough under real Podman (rootful,
# runc): the fake host roots of tests/fixtures/roots (made real with mknod)
# give a VM's compute container VFIO nodes, PCI_RESOURCE_* env and
# RLIMIT_MEMLOCK; GPUs on their host driver and a host whose IOMMU group is
# not viable refuse the start. Prints TAP and "N passed, N failed, N
# skipped"; exits 77 (skip) when not root or without podman.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"

e2e_init passthrough
img=$(e2e_image) || { e2e_not_ok "build the busybox image"; e2e_finish; }
e2e_log_start || true

roots=$E2E_SRC_ROOT/tests/fixtures/roots
data=$E2E_SRC_ROOT/tests/data
for root in nvidia-t4-vfio nvidia-two-gpus group-not-viable; do  # see each root's README
    "$roots/instantiate.sh" "$root" "$E2E_TMP/$root" || { e2e_not_ok "make the fake root $root"; e2e_finish; }
done

# A VMI as the converter puts it in STANDALONE_VMI: NAME, guest memory, then
# "gpus" or "hostDevices" and the resource names of its entries.
vmi() {  # NAME LIST RESOURCE...
    local name=$1 list=$2
    shift 2
    jq -cn --arg name "$name" --arg list "$list" '$ARGS.positional as $r | {
        apiVersion: "kubevirt.io/v1", kind: "VirtualMachineInstance", metadata: {name: $name},
        spec: {domain: {resources: {requests: {memory: "4Gi"}},
                        devices: {($list): [range($r | length) as $i | {name: "dev\($i + 1)", deviceName: $r[$i]}]}}}}' \
        --args "$@"
}

# Each node as "path major:minor uid:gid" (major and minor in hex, as stat
# prints them), then the env and the memlock limit the process got.
# shellcheck disable=SC2016  # expanded by the container's shell
probe='for p in "$@"; do
  if [ -c "$p" ]; then stat -c "%n %t:%T %u:%g" "$p"; else echo "$p absent"; fi
  r=$( (: <"$p") 2>&1 ); case $r in *"not permitted"*) echo "$p: denied by the device cgroup";; esac
done
env | grep -E "^(MDEV_)?PCI_RESOURCE_" | sort
echo "memlock $(ulimit -l)"'

# Raising RLIMIT_MEMLOCK above the current hard limit needs CAP_SYS_RESOURCE,
# which a real host's root has but a sandbox may not (runc then fails with
# "error setting rlimit type 8: operation not permitted"). There, a second
# precreate hook, sorted after ours, records our hook's output and lowers the
# limit to what this machine allows, so the rest can still be checked; the
# memlock check then reads the recorded output instead of the process.
memlock_hard=$(ulimit -H -l)
can_raise_memlock=1
if [ "$memlock_hard" != unlimited ] &&
    ! (($(awk '/^CapEff/ {print "0x" $2}' /proc/self/status) & (1 << 24))); then
    can_raise_memlock=0
    e2e_diag "no CAP_SYS_RESOURCE and a hard memlock limit of $memlock_hard KiB: RLIMIT_MEMLOCK is clamped after the hook"
    jq_bin=$(command -v jq)
    cat >"$E2E_TMP/clamp-memlock.sh" <<EOF
#!/bin/sh
tee "$E2E_TMP/hook-output.json" | "$jq_bin" --argjson max $((memlock_hard * 1024)) \
    '.process.rlimits |= map(if .type == "RLIMIT_MEMLOCK" then .soft = \$max | .hard = \$max else . end)'
EOF
    chmod +x "$E2E_TMP/clamp-memlock.sh"
    jq -n --arg path "$E2E_TMP/clamp-memlock.sh" '{version: "1.0.0", hook: {path: $path},
        when: {annotations: {"^kubevirt-vm-to-pod/vm$": ".*"}}, stages: ["precreate"]}' >"$E2E_HOOKS_DIR/zz-clamp-memlock.json"
fi

# CONFIG with the device claims kept in this test's temp dir, not the host's
# /run/oci-kubevirt-hook: prints the copy's path.
with_state() {
    local copy
    copy=$E2E_TMP/$(basename "$1" .yaml)-state.yaml
    { cat "$1" 2>/dev/null; printf '\nallocation:\n  stateDir: %s\n' "$E2E_TMP/state"; } >"$copy"
    echo "$copy"
}

run_vm() {  # NAME ROOT CONFIG VMI-JSON NODE...
    local name=$1 root=$2 config=$3 vmi=$4
    shift 4
    e2e_write_hook passthrough "$E2E_TMP/$root" "$(with_state "$config")"
    podman run --name "$E2E_PREFIX-$name" --annotation "kubevirt-vm-to-pod/vm=$name" \
        --env "STANDALONE_VMI=$vmi" "$img" sh -c "$probe" probe "$@" 2>&1
}

memlock_kib() {  # CONTAINER: the RLIMIT_MEMLOCK our hook set, in KiB as ulimit -l prints it
    if [ "$can_raise_memlock" = 1 ]; then e2e_oci_config "$1"; else cat "$E2E_TMP/hook-output.json"; fi |
        jq -r '.process.rlimits[] | select(.type == "RLIMIT_MEMLOCK") | .soft / 1024 | floor'
}

# --- a Tesla T4 on vfio-pci, resource named in permittedHostDevices -------------
e2e_log_mark
out=$(run_vm t4 nvidia-t4-vfio "$data/hook-configs/permitted.yaml" "$(vmi t4 gpus nvidia.com/TU104GL_Tesla_T4)" \
    /dev/vfio/42 /dev/vfio/vfio /dev/kvm)
e2e_contains "$out" "/dev/vfio/42 f3:0 107:107" "T4: /dev/vfio/42 has the host's numbers (243:0) and the VM user"
e2e_contains "$out" "/dev/vfio/vfio a:c4 107:107" "T4: the VFIO container node /dev/vfio/vfio (10:196)"
e2e_contains "$out" "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4=0000:3b:00.0" "T4: PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 reaches the process"
if grep -q "denied by the device cgroup" <<<"$out"; then
    e2e_not_ok "T4: the device cgroup allows the nodes" "$out"
else
    e2e_ok "T4: the device cgroup allows the nodes"
fi
want=$(memlock_kib "$E2E_PREFIX-t4")
if [ -z "$want" ] || [ "$want" -le $((4 * 1024 * 1024)) ]; then
    e2e_not_ok "T4: the hook sets RLIMIT_MEMLOCK above the 4Gi of guest memory" "got: '$want' KiB"
elif [ "$can_raise_memlock" = 1 ]; then
    e2e_contains "$out" "memlock $want" "T4: RLIMIT_MEMLOCK ($want KiB, guest memory + overhead) reaches the process"
else
    e2e_ok "T4: the hook sets RLIMIT_MEMLOCK to $want KiB (guest memory + overhead)"
    e2e_skip "T4: RLIMIT_MEMLOCK reaches the process" "this machine cannot raise it (no CAP_SYS_RESOURCE)"
fi
e2e_log_check "T4: the grant is logged" "granted gpus[0] dev1 nvidia.com/TU104GL_Tesla_T4: 0000:3b:00.0"

# --- two NVIDIA GPUs on the host driver: refused, with how to bind them --------
# virt-launcher attaches a GPU only from PCI_RESOURCE_* (vfio-pci) or
# MDEV_PCI_RESOURCE_*: /dev/nvidia* nodes would never reach the guest.
e2e_log_mark
out=$(run_vm two nvidia-two-gpus "$E2E_TMP/none.yaml" "$(vmi two gpus nvidia.com/GPU nvidia.com/GPU)" \
    /dev/nvidia0 /dev/nvidia3)
status=$?
if [ "$status" != 0 ] && grep -q "setting up OCI Hooks" <<<"$out"; then
    e2e_ok "GPUs on the host driver: Podman refuses the start through the hook"
else
    e2e_not_ok "GPUs on the host driver: Podman refuses the start through the hook" "status $status" "$out"
fi
e2e_log_check "GPUs on the host driver: the log names the GPU, its driver and how to bind it" \
    "0000:17:00.0 is on nvidia instead of vfio-pci"
e2e_log_check "GPUs on the host driver: the log gives the driverctl command" \
    "driverctl set-override 0000:17:00.0 vfio-pci"

# --- a GPU whose IOMMU group is not viable: the start is refused ---------------
e2e_log_mark
out=$(run_vm refused group-not-viable "$data/hook-configs/permitted.yaml" \
    "$(vmi refused gpus nvidia.com/GA102_GeForce_RTX_3090)" /dev/vfio/14)
status=$?
if [ "$status" != 0 ] && grep -q "setting up OCI Hooks" <<<"$out"; then
    e2e_ok "group not viable: Podman refuses the start through the hook"
else
    e2e_not_ok "group not viable: Podman refuses the start through the hook" "status $status" "$out"
fi
e2e_log_check "group not viable: the log names the device in the way and the fix" \
    "0000:01:00.0 shares IOMMU group 14 with 0000:01:00.1, which is on snd_hda_intel"

# --- kube play: the compute container gets the T4, the sidecar nothing ---------
e2e_write_hook passthrough "$E2E_TMP/nvidia-t4-vfio" "$(with_state "$data/hook-configs/permitted.yaml")"
vmi_json=$(vmi gpu-t4 gpus nvidia.com/TU104GL_Tesla_T4)
cat >"$E2E_TMP/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $E2E_PREFIX-pod
  annotations:
    kubevirt-vm-to-pod/vm: gpu-t4
spec:
  restartPolicy: Never
  containers:
  - name: compute
    image: $img
    command: ["/bin/sh", "-c", $(jq -Rn --arg p "$probe" '$p'), "probe", "/dev/vfio/42"]
    env:
    - name: STANDALONE_VMI
      value: $(jq -Rn --arg v "$vmi_json" '$v')
  - name: sidecar
    image: $img
    command: ["/bin/sh", "-c", $(jq -Rn --arg p "$probe" '$p'), "probe", "/dev/vfio/42"]
EOF
if podman kube play "$E2E_TMP/pod.yaml" >"$E2E_TMP/play.log" 2>&1; then
    for _ in $(seq 50); do
        [ "$(command podman inspect --format '{{.State.Status}}' "$E2E_PREFIX-pod-compute" 2>/dev/null)" = exited ] && break
        sleep 0.2
    done
    compute=$(command podman logs "$E2E_PREFIX-pod-compute" 2>&1)
    sidecar=$(command podman logs "$E2E_PREFIX-pod-sidecar" 2>&1)
    e2e_contains "$compute" "/dev/vfio/42 f3:0 107:107" "kube play: the compute container has /dev/vfio/42"
    e2e_contains "$compute" "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4=0000:3b:00.0" "kube play: the env reaches the compute process"
    e2e_contains "$sidecar" "/dev/vfio/42 absent" "kube play: the sidecar gets no device"
else
    e2e_not_ok "kube play the GPU pod" "$(cat "$E2E_TMP/play.log")"
fi
e2e_remove_hook passthrough

e2e_finish
