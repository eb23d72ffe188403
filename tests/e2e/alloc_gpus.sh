#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Exclusive GPU allocation with real Podman (4.3) and runc, the real hook,
# and a fake host root with four Tesla T4 on vfio-pci (tests/fixtures/roots/
# numa-topology). Each container that gets a GPU shows it in its env
# PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4 (its PCI address) and its
# /dev/vfio/<group> node.
#
#  1. A container asking for a GPU is refused while another holds them all,
#     and starts once that one stops.
#  2. 20 containers started at once, one GPU each: exactly 4 start, 16 are
#     refused with a clear message, no GPU is given twice; once the 4 stop,
#     all 4 GPUs are free again.
#  3. A hook killed in the middle of an allocation (test-only
#     --debug-stall-after-claim, in this test's hooks.d argv) leaves nothing
#     stuck: neither the lock nor its pending claim.
#  4. podman restart (and stop + start) keeps a container's GPU, even when
#     other GPUs are free.
#
# Runs on Podman 4.3 and, nested, 5.4 (run-all.sh).
# e2e: podman5
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init alloc-gpus
img=$(e2e_image) || e2e_skip_all "cannot build the busybox image"

root=$E2E_TMP/root
"$E2E_SRC_ROOT/tests/fixtures/roots/instantiate.sh" numa-topology "$root" || e2e_skip_all "cannot make the fake root"
state=$E2E_TMP/state
config=$E2E_TMP/hook.yaml
cat >"$config" <<EOF
permittedHostDevices:
  pciHostDevices:
  - pciVendorSelector: "10DE:1EB8"
    resourceName: nvidia.com/TU104GL_Tesla_T4
allocation:
  stateDir: $state
EOF
e2e_write_hook kubevirt "$root" "$config"
e2e_log_start || true

e2e_isnt() {  # e2e_isnt GOT UNWANTED DESC
    if [ "$1" != "$2" ]; then e2e_ok "$3"; else e2e_not_ok "$3" "got: $1"; fi
}

# The hook sets RLIMIT_MEMLOCK for VFIO as virt-handler does (over 1 GiB for
# these VMs). Where Podman cannot raise the hard limit (no CAP_SYS_RESOURCE,
# as on a CI container) runc would refuse every such container; a second,
# test-only precreate hook, run after ours (file names sort), lowers it to
# what this machine allows. Allocation does not depend on it.
memlock_kib=$(ulimit -Hl)
if [ "$memlock_kib" != unlimited ] && ! (ulimit -Hl unlimited) 2>/dev/null; then
    cat >"$E2E_TMP/clamp-memlock.sh" <<SH
#!/bin/sh
exec /usr/bin/jq -c --argjson max $((memlock_kib * 1024)) \
  '(.process.rlimits // [])[] |= (if .type == "RLIMIT_MEMLOCK" then .soft = \$max | .hard = \$max else . end)'
SH
    chmod 0755 "$E2E_TMP/clamp-memlock.sh"
    jq -n --arg path "$E2E_TMP/clamp-memlock.sh" \
        '{version: "1.0.0", hook: {path: $path, args: ["clamp-memlock"], timeout: 10},
          when: {annotations: {"^kubevirt-vm-to-pod/vm$": ".*"}}, stages: ["precreate"]}' >"$E2E_HOOKS_DIR/zz-clamp-memlock.json"
    e2e_diag "RLIMIT_MEMLOCK is clamped to this machine's hard limit ($memlock_kib KiB) after the hook"
fi

# The hook's hooks.d entry, with extra arguments (here the test-only stall).
write_hook() {
    e2e_write_hook kubevirt "$root" "$config" || return 1
    [ $# -eq 0 ] && return 0
    jq --argjson extra "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" '.hook.args += $extra' \
        <"$E2E_HOOKS_DIR/kubevirt.json" >"$E2E_HOOKS_DIR/.kubevirt.tmp" &&
        mv "$E2E_HOOKS_DIR/.kubevirt.tmp" "$E2E_HOOKS_DIR/kubevirt.json"
}
env_name=PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4
all_gpus="0000:1b:00.0 0000:83:00.0 0000:84:00.0 0000:af:00.0"

# A VMI asking for COUNT GPUs, as one line of JSON.
vmi() {
    local name=$1 count=$2
    jq -cn --arg name "$name" --argjson count "$count" '{
        apiVersion: "kubevirt.io/v1", kind: "VirtualMachineInstance", metadata: {name: $name},
        spec: {domain: {devices: {gpus: [range($count) | {name: "gpu\(.)", deviceName: "nvidia.com/TU104GL_Tesla_T4"}]},
                        resources: {requests: {memory: "64Mi"}}}}}'
}

ctr() { echo "$E2E_PREFIX-$1"; }

# run NAME COUNT: podman run -d container (and VM) $E2E_PREFIX-NAME, whose VM
# asks for COUNT GPUs.
run() {
    podman run -d --name "$(ctr "$1")" --annotation "kubevirt-vm-to-pod/vm=$(ctr "$1")" \
        --env "STANDALONE_VMI=$(vmi "$(ctr "$1")" "$2")" "$img" sleep 100000
}

short_id() { command podman inspect --format '{{.ID}}' "$(ctr "$1")" | cut -c1-12; }

# The hook's log since the mark, only the lines about this test's containers
# (other tests may log through the same listener): those naming one of its
# container ids, its VMs or its state directory.
my_log() {
    local patterns=$E2E_TMP/log-patterns
    { echo "VM '$E2E_PREFIX-"; echo "$state"
      command podman ps -a --format '{{.ID}} {{.Names}}' | awk -v p="$E2E_PREFIX-" 'index($2, p) == 1 { print "container " $1 ":" }'
    } >"$patterns"
    e2e_log_text | grep -F -f "$patterns"
}

# Waits (up to 10 s) until my_log has COUNT lines with TEXT; prints their number.
wait_log_count() {
    local text=$1 count=$2 i n=0
    for ((i = 0; i < 100; i++)); do
        n=$(my_log | grep -cF -- "$text")
        [ "$n" -ge "$count" ] && break
        sleep 0.1
    done
    echo "$n"
}

# The GPUs (PCI addresses) the runtime gave container NAME, sorted, one a line.
gpus_of() {
    e2e_oci_config "$(ctr "$1")" | jq -r --arg env "$env_name=" \
        '.process.env[] | select(startswith($env)) | ltrimstr($env) | split(",")[]' | sort
}

# The /dev/vfio/<group> nodes in container NAME's config.
groups_of() {
    e2e_oci_config "$(ctr "$1")" | jq -r '.linux.devices[].path | select(startswith("/dev/vfio/") and . != "/dev/vfio/vfio")' | sort
}

record_state() { jq -r .state "$state/$(command podman inspect --format '{{.Id}}' "$(ctr "$1")").json" 2>/dev/null; }

stop_all() {
    local names
    names=$(command podman ps -a --format '{{.Names}}' | grep "^$E2E_PREFIX-" || true)
    # shellcheck disable=SC2086
    [ -z "$names" ] || command podman rm -f -t 0 $names >/dev/null 2>&1
}

# --- 1. refused while another container holds the GPUs ------------------------
out=$(run all4 4 2>&1)
e2e_is "$?" 0 "a VM asking for all 4 GPUs starts"
e2e_is "$(gpus_of all4 | tr '\n' ' ')" "$all_gpus " "... and gets all 4"
e2e_log_mark
out=$(run one 1 2>&1)
status=$?
if [ "$status" != 0 ]; then e2e_ok "a VM asking for 1 GPU is refused while they are all held"; else
    e2e_not_ok "a VM asking for 1 GPU is refused while they are all held" "$out"; fi
e2e_contains "$out" "setting up OCI Hooks" "... by the hook (Podman says: ${out##*Error: })"
e2e_log_check "the hook's log says which GPUs are in use, by whom" \
    "container $(short_id one): in use: pci:0000:1b:00.0 (container $(short_id all4), VM '$(ctr all4)')"
e2e_log_check "the hook's log says why it refused" \
    "refusing to start VM '$(ctr one)': env STANDALONE_VMI:/spec/domain/devices/gpus/0/deviceName: the VM asks for 1 'nvidia.com/TU104GL_Tesla_T4' and the host has 0 usable: 0000:1b:00.0 is in use by another container (pci:0000:1b:00.0)"
command podman stop -t 0 "$(ctr all4)" >/dev/null 2>&1
out=$(podman start "$(ctr one)" 2>&1)
e2e_is "$?" 0 "once the first container stops, the refused one starts ($out)"
e2e_is "$(gpus_of one | wc -l)" 1 "... with 1 GPU"
stop_all

# --- 2. 20 containers at once --------------------------------------------------
e2e_log_mark
t0=$(date +%s.%N)
pids=()
for i in $(seq -w 1 20); do
    run "c$i" 1 >"$E2E_TMP/run-$i.out" 2>&1 &
    pids+=($!)
done
started=0 refused=0
for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then started=$((started + 1)); else refused=$((refused + 1)); fi
done
t1=$(date +%s.%N)
e2e_diag "20 podman run -d at once took $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
e2e_is "$started" 4 "exactly 4 of 20 containers started"
e2e_is "$refused" 16 "16 were refused"
running=$(command podman ps --format '{{.Names}}' | grep "^$E2E_PREFIX-c" | sed "s/^$E2E_PREFIX-//" | sort)
given=$(for c in $running; do gpus_of "$c"; done | sort)
e2e_is "$(tr '\n' ' ' <<<"$given")" "$all_gpus " "the 4 running containers have the 4 GPUs, each one once"
nodes=$(for c in $running; do groups_of "$c"; done | sort)
e2e_is "$(sort -u <<<"$nodes" | wc -l) $(wc -l <<<"$nodes")" "4 4" "... and 4 different /dev/vfio group nodes"
clear=$(grep -l "setting up OCI Hooks" "$E2E_TMP"/run-*.out | wc -l)
e2e_is "$clear" 16 "every refused podman run reports that the hook stopped it"
if e2e_log_text >/dev/null 2>&1; then
    e2e_is "$(wait_log_count "refusing to start VM '$E2E_PREFIX-c" 16)" 16 "the log has one refusal for each of the 16, naming the VM"
    log=$(my_log)
    e2e_is "$(grep "refusing to start VM '$E2E_PREFIX-c" <<<"$log" | grep -c "is in use by another container")" 16 \
        "... each saying the GPUs are in use by other containers"
    e2e_is "$(grep -c ': claimed pci:' <<<"$log")" 4 "the log has 4 claims"
    # Every allocation logs how long it waited for the lock and held it.
    timings=$(grep -o 'waited [0-9.]* ms for the lock, held it [0-9.]* ms' <<<"$log")
    e2e_is "$(wc -l <<<"$timings")" 20 "all 20 allocations ran under the lock, one after another"
    e2e_diag "lock wait over the 20 (ms): max $(awk '{print $2}' <<<"$timings" | sort -n | tail -n1)," \
        "median $(awk '{print $2}' <<<"$timings" | sort -n | sed -n 10p);" \
        "lock held (ms): max $(awk '{print $9}' <<<"$timings" | sort -n | tail -n1)," \
        "median $(awk '{print $9}' <<<"$timings" | sort -n | sed -n 10p)"
else
    e2e_skip "the log has one refusal for each of the 16" "cannot read the hook's syslog"
fi
live=$(jq -r 'select(.state == "running") | .units[]' "$state"/*.json | sort)
e2e_is "$(tr '\n' ' ' <<<"$live")" "pci:0000:1b:00.0 pci:0000:83:00.0 pci:0000:84:00.0 pci:0000:af:00.0 " \
    "the state directory holds 4 running claims, one per GPU"
# shellcheck disable=SC2086
command podman stop -t 0 $(sed "s/^/$E2E_PREFIX-/" <<<"$running") >/dev/null 2>&1
e2e_is "$(jq -r 'select(.state != "stopped") | .container' "$state"/*.json | wc -l)" 0 \
    "after the 4 stop, no claim is live (poststop released them)"
restarted=0 failures=
for c in $(seq -f 'c%02g' 1 20); do
    grep -qx "$c" <<<"$running" && continue
    [ "$restarted" -lt 4 ] || break
    if out=$(podman start "$(ctr "$c")" 2>&1); then restarted=$((restarted + 1)); else failures+="$c: $out"$'\n'; fi
done
e2e_is "$restarted" 4 "all 4 GPUs are free again: 4 of the refused containers start"
[ -z "$failures" ] || e2e_diag "$failures"
stop_all

# --- 3. a hook killed in the middle of an allocation ---------------------------
find_stalled_hook() {  # the pid of our stalled precreate hook, by its argv
    local p
    for p in /proc/[0-9]*; do
        { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "--config $config --debug-stall-after-claim" &&
            { echo "${p#/proc/}"; return 0; }
    done
    return 1
}
wait_for() {  # wait_for SECONDS COMMAND...: until COMMAND succeeds
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 0.1; done
}
pending_claims() { grep -l '"state": "pending"' "$state"/*.json 2>/dev/null | wc -l; }
has_pending() { [ "$(pending_claims)" -gt 0 ]; }
# Between parts every container is removed; start from an empty state directory.
fresh_state() { rm -f "$state"/*.json; }

write_hook --debug-stall-after-claim 30
fresh_state
run stalled 1 >"$E2E_TMP/stalled.out" 2>&1 &
stalled_run=$!
if wait_for 20 has_pending && hook=$(find_stalled_hook); then
    e2e_ok "the stalled hook claimed a GPU and holds the lock (pid $hook)"
    kill -KILL "$hook"
    wait "$stalled_run"
    e2e_isnt "$?" 0 "killing it fails that container's start"
    e2e_is "$(ls -A "$state" | grep -c '^\.tmp-')" 0 "no temp file is left"
    e2e_is "$(pending_claims)" 1 "its pending claim is still on disk, bound to the Podman that is gone"
    write_hook
    out=$(run after-kill 4 2>&1)
    e2e_is "$?" 0 "then a VM asking for all 4 GPUs starts: the lock and the dead claim are free ($out)"
else
    e2e_not_ok "the stalled hook claimed a GPU and holds the lock" "$(cat "$E2E_TMP/stalled.out")"
    wait "$stalled_run"
fi
stop_all

# The same, but a second container's hook waits for the lock meanwhile and
# gives up; the stalled hook ends at its own deadline (deadlineSeconds, 8 s).
write_hook --debug-stall-after-claim 30
fresh_state
e2e_log_mark
run stalled2 1 >"$E2E_TMP/stalled2.out" 2>&1 &
stalled_run=$!
wait_for 20 has_pending
out=$(run waiter 1 2>&1)
e2e_isnt "$?" 0 "a container started while a hook holds the lock is refused"
e2e_log_check "... because the lock was held too long" \
    "allocating passthrough devices: $state/lock: another oci-kubevirt-hook held the allocation lock for more than 4000 ms"
wait "$stalled_run"
e2e_contains "$(cat "$E2E_TMP/stalled2.out")" "setting up OCI Hooks" "the stalled hook's container fails at the hook's deadline"
write_hook
out=$(run after-deadline 4 2>&1)
e2e_is "$?" 0 "then all 4 GPUs are free ($out)"
stop_all

# --- 4. podman restart keeps a container's GPU -----------------------------------
for v in ra rb rc rd; do run "$v" 1 >/dev/null 2>&1; done
before_c=$(gpus_of rc)
before_d=$(gpus_of rd)
e2e_is "$(for v in ra rb rc rd; do gpus_of "$v"; done | sort -u | wc -l)" 4 "four containers, four different GPUs"
command podman stop -t 0 "$(ctr ra)" "$(ctr rb)" >/dev/null 2>&1
out=$(podman restart -t 0 "$(ctr rc)" 2>&1)
e2e_is "$?" 0 "podman restart with two other GPUs free ($out)"
e2e_is "$(gpus_of rc)" "$before_c" "... keeps the container's GPU ($before_c)"
e2e_is "$(record_state rc)" running "... and its claim is bound again"
command podman stop -t 0 "$(ctr rd)" >/dev/null 2>&1
e2e_is "$(record_state rd)" stopped "podman stop releases the claim"
out=$(podman start "$(ctr rd)" 2>&1)
e2e_is "$(gpus_of rd)" "$before_d" "podman start gets the same GPU back ($before_d)"
stop_all

e2e_finish
