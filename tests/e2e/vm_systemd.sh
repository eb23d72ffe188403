#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: launcher
#
# The per-VM systemd units `kubevirt-vm-to-pod install` writes, under a real
# systemd as PID 1, with KubeVirt's real virt-launcher and the test guest:
#   - Debian 13 (Podman 5.x): the Quadlet .kube, turned into a service by
#     Podman's real generator at `systemctl daemon-reload`;
#   - Debian 12 (Podman 4.3.1, systemd 252): the plain .service.
# Each runs in a privileged container whose PID 1 is systemd (rootfs from
# systemd/rootfs.sh, cached), with its own Podman storage; the two run at the
# same time (most of each is waiting: RestartSec, the launcher's ends). In
# each, one VM, under both runStrategies that restart, as KubeVirt's
# controller restarts a VMI:
#   runStrategy Always: installed, starts at boot (WantedBy), started through
#     `kubevirt-vm-to-pod start`; the guest boots; status and list name the
#     unit;
#     QEMU killed under the running guest (a Failed VMI): the unit fails
#     (exit code), systemd restarts it after RestartSec, not at once (measured
#     from the journal), NRestarts grows, the guest boots again with its data
#     disk;
#     the guest powers itself off (a Succeeded VMI): the unit ends without
#     failing and systemd starts it again after RestartSec; the guest boots;
#     `kubevirt-vm-to-pod stop` stops it through systemctl, gracefully, and it
#     stays stopped; status and list still show it.
#   runStrategy RerunOnFailure (the same VM, install --force): QEMU killed ->
#     restarted as above (on the Quadlet unit the verdict is its
#     ExecStopPost's); the guest powers itself off -> the unit ends inactive,
#     not failed, and is not restarted.
#   Debian 13 then reboots (the container stops and starts): Quadlet's
#     generator makes the unit again and systemd starts it at boot; the guest
#     boots with its data.
# On the host this script builds the rootfs, starts the systemd containers and
# runs itself inside each with --inside; their checks come out as this
# script's TAP, prefixed with the suite (bookworm:, trixie:).
#
# Environment: E2E_SYSTEMD_SUITES (default "bookworm trixie"),
# E2E_BOOT_TIMEOUT (seconds to wait for a guest, default 300).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

# ============================================================================
# Inside: PID 1 is systemd; this runs as root in the container, with the
# source and build trees, the launcher and guest tarballs mounted.
# ============================================================================
# What stays across the container's reboot: the hook's host root and
# configuration, the last boot count the guest said.
keep=/var/lib/kvpod-e2e

inside_init() {
    e2e_init vmsd
    # The units run /usr/bin/podman with the system's configuration: the
    # test's configuration is the system's here (the container is the test's).
    unset CONTAINERS_CONF
    E2E_HOOKS_DIR=/etc/containers/oci/hooks.d
    converter=$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod
    boot_timeout=${E2E_BOOT_TIMEOUT:-300}
    version=$(command podman version --format '{{.Client.Version}}')
    local major=${version%%.*} minor
    minor=$(cut -d. -f2 <<<"$version")
    quadlet=0
    { [ "$major" -gt 4 ] || { [ "$major" = 4 ] && [ "$minor" -ge 4 ]; }; } && quadlet=1
    e2e_diag "systemd $(systemctl --version | head -n1 | cut -d' ' -f2), Podman $version, quadlet $quadlet"
    vm=kvpod-sd
    unit=virt-launcher-$vm.service
    claim=$vm-data
}

inside() {
    inside_init

    mkdir -p "$E2E_HOOKS_DIR"
    local nofile
    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    cat >/etc/containers/containers.conf <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
default_sysctls = ["net.ipv4.ping_group_range=107 107", "net.ipv4.ip_unprivileged_port_start=0"]

[engine]
runtime = "runc"
hooks_dir = ["$E2E_HOOKS_DIR"]
EOF
    local root=$keep/root
    e2e_mknod "$root" /dev/net/tun c 10 200 0666
    printf 'allowEmulation: true\n' >"$keep/hook.yaml"
    e2e_write_hook kubevirt "$root" "$keep/hook.yaml"

    local t0
    t0=$(e2e_now_ms)
    e2e_vm_import_lent_images
    e2e_diag "imported the launcher and the guest in $(e2e_elapsed "$t0")"

    command podman volume create "$claim" >/dev/null || e2e_skip_all "cannot make the claim volume"
    local dir
    dir=$(command podman volume inspect --format '{{.Mountpoint}}' "$claim")
    truncate -s 64M "$dir/disk.img" && chown 107:107 "$dir/disk.img" && chmod 0660 "$dir/disk.img"

    always_run
    rerun_on_failure_run
    e2e_finish
}

# After the container's reboot: the RerunOnFailure VM, installed and
# powered off before, starts with the system (multi-user.target wants it).
after_reboot() {
    inside_init
    local out last
    last=$(cat "$keep/bootcount" 2>/dev/null)
    wait_state active failed
    e2e_is "$(unit_prop ActiveState)" active "after a reboot: systemd started the unit at boot"
    out=$(journalctl --no-pager -q -b -u "$unit" 2>&1)
    e2e_contains "$out" "Started $unit" "after a reboot: the journal of this boot shows it started"
    out=$(wait_ready)
    e2e_contains "$out" "KVPOD-READY" "after a reboot: the guest booted"
    e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT $((${last:-0} + 1))" \
        "after a reboot: the data disk kept its count (boot $((${last:-0} + 1)))"
    [ "$(e2e_vm_guest_line "$out" BOOTCOUNT)" = "KVPOD-BOOTCOUNT $((${last:-0} + 1))" ] || unit_diag
    e2e_finish
}

# vm_file STRATEGY -> the VM as a user writes it (vm_boot.sh's, with a short
# grace period: the Pod's is 5 + 30 s).
vm_file() {
    local file=$E2E_TMP/$vm-$1.yaml
    cat >"$file" <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $vm
spec:
  runStrategy: $1
  template:
    spec:
      terminationGracePeriodSeconds: 5
      domain:
        devices:
          disks:
          - name: containerdisk
            disk: {bus: virtio}
          - name: data
            disk: {bus: virtio}
            serial: kvpoddata
          - name: cloudinitdisk
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
      - name: data
        persistentVolumeClaim:
          claimName: $claim
      - name: cloudinitdisk
        cloudInitNoCloud:
          userData: |
            #cloud-config
            kvpod-token: $1
EOF
    echo "$file"
}

console() {  # console INPUT
    printf '%s\n' "$1" | timeout 60 "$converter" console "$vm" 2>&1
}

wait_ready() {  # prints the guest's last answer to status
    local out="" deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ]; do
        out=$(console status)
        case $out in *KVPOD-READY*) break ;; esac
        [ "$(unit_prop ActiveState)" = failed ] && break
        sleep 3
    done
    printf '%s\n' "$out"
}

unit_prop() { systemctl show -p "$1" --value "$unit"; }

# wait_state STATE... : until the unit's ActiveState is one of them (180 s).
wait_state() {
    local i state
    for ((i = 0; i < 360; i++)); do
        state=$(unit_prop ActiveState)
        for s in "$@"; do [ "$state" = "$s" ] && return 0; done
        sleep 0.5
    done
    return 1
}

unit_diag() {
    e2e_diag "$(systemctl status --no-pager -l "$unit" 2>&1 | tail -n 25)"
    e2e_diag "$(journalctl --no-pager -q -u "$unit" -n 30 2>&1)"
    e2e_diag "$(command podman ps -a --format '{{.Names}} {{.Status}}' 2>&1)"
}

# The journal's time (seconds, with microseconds) of the last line of the
# unit matching PATTERN (an ERE).
journal_time() {
    journalctl --no-pager -q -o short-unix -u "$unit" | grep -E -- "$1" | tail -n1 | cut -d' ' -f1
}

seconds() {  # seconds FROM TO: TO - FROM, to a tenth
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.1f", b - a }'
}

install_vm() {  # install_vm STRATEGY [--force]
    local out file
    file=$(vm_file "$1")
    out=$("$converter" install --launcher-image "$E2E_LAUNCHER_IMAGE" ${2:-} "$file" 2>&1)
    local status=$?
    e2e_is "$status" 0 "$1: kubevirt-vm-to-pod install writes the unit"
    [ "$status" = 0 ] || e2e_diag "$out"
    printf '%s\n' "$out" >"$E2E_TMP/install-$1.txt"
    e2e_check "$1: systemctl daemon-reload" systemctl daemon-reload
}

# restart_delay_ms N: how long systemd waits before the restart that follows
# N restarts since the unit was last started by hand. The Quadlet unit
# (systemd >= 254) backs off as KubeVirt does: RestartSec=10 growing in
# RestartSteps=5 to RestartMaxDelaySec=300 (10 * 30^(N/5) s, systemd's
# service_restart_usec_next); the plain unit (systemd 252) waits 10 s.
restart_delay_ms() {
    if [ "$quadlet" = 1 ]; then
        awk -v n="$1" 'BEGIN { if (n >= 5) print 300000; else printf "%d", 10000 * 30 ^ (n / 5) }'
    else
        echo 10000
    fi
}

# end_and_restart STRATEGY HOW BOOTS: the VM ends HOW, and systemd starts
# its unit again after RestartSec, not at once (measured from the journal),
# NRestarts grows, and the guest boots again from its data disk (boot count
# BOOTS), as KubeVirt's controller restarts the VMI after its backoff (the
# delay checked against systemd's backoff: restart_delay_ms):
#   crash     QEMU killed under the running guest (a Failed VMI): the unit
#             fails (result exit-code);
#   poweroff  the guest powers itself off (a Succeeded VMI, restarted under
#             Always only): the unit ends without failing.
end_and_restart() {
    local strategy=$1 how=$2 boots=$3 t_end out i restarted=0 before failures ended
    before=$(unit_prop NRestarts)
    failures=$(journalctl --no-pager -q -u "$unit" | grep -c "Failed with result")
    if [ "$how" = crash ]; then
        local qemu
        # Once virt-launcher watches QEMU: killed before (its monitor starts
        # watching some seconds after the domain, slow under TCG, and then
        # waits up to its 4 min start timeout for a QEMU that is gone: seen
        # here, the unit then ends after 4 min), the launcher would take
        # minutes to end.
        for ((i = 0; i < 60; i++)); do
            command podman logs "virt-launcher-$vm-compute" 2>&1 | grep -q 'Found PID for' && break
            sleep 1
        done
        qemu=$(command podman top "virt-launcher-$vm-compute" hpid,comm 2>/dev/null | awk '$2 ~ /^qemu/ { print $1 }')
        e2e_check "$strategy: QEMU runs in the compute container (pid $qemu)" test -n "$qemu"
        t_end=$(date +%s.%N)
        kill -9 $qemu
        ended="Failed with result"
    else
        t_end=$(date +%s.%N)
        out=$(console poweroff)
        e2e_contains "$out" "KVPOD-POWEROFF synced" "$strategy: the guest powers itself off from its console"
        ended="Deactivated successfully"
    fi
    for ((i = 0; i < 300; i++)); do
        [ "$(unit_prop NRestarts)" -gt "$before" ] 2>/dev/null && restarted=1 && break
        sleep 1
    done
    e2e_is "$restarted" 1 "$strategy: systemd restarted the unit after the $how"
    e2e_is "$(unit_prop NRestarts)" $((before + 1)) "$strategy: NRestarts is $((before + 1))"
    out=$(journalctl --no-pager -q -u "$unit" 2>&1)
    if [ "$how" = crash ]; then
        e2e_contains "$(grep -F "Failed with result" <<<"$out" | tail -n1)" "Failed with result 'exit-code'" \
            "$strategy: the crash is a failure to systemd (result exit-code)"
    else
        e2e_is "$(grep -c "Failed with result" <<<"$out")" "$failures" \
            "$strategy: the power-off is no failure to systemd (no new 'Failed with result')"
    fi
    local t_ended t_scheduled
    t_ended=$(journal_time "$ended")
    t_scheduled=$(journal_time "Scheduled restart job")
    if [ -n "$t_ended" ] && [ -n "$t_scheduled" ]; then
        local delay_ms want_ms
        delay_ms=$(awk -v a="$t_ended" -v b="$t_scheduled" 'BEGIN { printf "%d", (b - a) * 1000 }')
        want_ms=$(restart_delay_ms "$before")
        e2e_diag "$strategy $how -> the unit ended ('$ended') $(seconds "$t_end" "$t_ended") s" \
            "-> restart scheduled ${delay_ms} ms later"
        e2e_check "$strategy: the restart waited the backoff after the unit ended, not at once (${delay_ms} ms, restart $((before + 1)): ${want_ms} ms)" \
            test "$delay_ms" -ge $((want_ms - 100)) -a "$delay_ms" -lt $((want_ms + 3000))
    else
        e2e_not_ok "$strategy: the journal shows the unit's end ('$ended') and the scheduled restart" "$out"
    fi
    out=$(wait_ready)
    e2e_contains "$out" "KVPOD-READY" "$strategy: the guest booted again after the $how"
    e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT $boots" "$strategy: the data disk kept its count (boot $boots)"
    [ "$(e2e_vm_guest_line "$out" BOOTCOUNT)" = "KVPOD-BOOTCOUNT $boots" ] || unit_diag
    e2e_diag "$strategy $how to the guest's KVPOD-READY again: $(seconds "$t_end" "$(date +%s.%N)") s"
}

# --- runStrategy Always ------------------------------------------------------
always_run() {
    local out t0
    install_vm Always
    if [ "$quadlet" = 1 ]; then
        e2e_check "Always: Quadlet's .kube and the Pod beside it" \
            test -f "/etc/containers/systemd/virt-launcher-$vm.kube" -a -f "/etc/containers/systemd/virt-launcher-$vm.yaml"
        e2e_check "Always: Podman's Quadlet generator made $unit at daemon-reload" \
            test -f "/run/systemd/generator/$unit"
        e2e_contains "$(systemctl show -p FragmentPath --value "$unit")" "/run/systemd/generator/$unit" \
            "Always: systemd loads the generated unit"
        e2e_check "Always: the generated unit starts at boot (multi-user.target.wants)" \
            test -L "/run/systemd/generator/multi-user.target.wants/$unit"
        e2e_is "$(systemctl is-enabled "$unit" 2>&1)" generated "Always: systemctl is-enabled says generated"
        out=$(systemd-analyze verify --man=no "/run/systemd/generator/$unit" 2>&1)
    else
        e2e_check "Always: the plain unit and its Pod" \
            test -f "/etc/systemd/system/$unit" -a -f "/etc/kubevirt-vm-to-pod/pods/virt-launcher-$vm.yaml"
        e2e_is "$(systemctl is-enabled "$unit" 2>&1)" enabled "Always: systemctl is-enabled says enabled (the boot link)"
        out=$(systemd-analyze verify --man=no "/etc/systemd/system/$unit" 2>&1)
    fi
    e2e_lacks "$out" "$unit:" "Always: systemd-analyze verify finds nothing to say about the unit"
    [ -z "$out" ] || e2e_diag "systemd-analyze verify: $out"
    e2e_contains "$(systemctl show -p WantedBy --value "$unit")" multi-user.target \
        "Always: multi-user.target wants it (starts at boot)"
    e2e_is "$(unit_prop Restart)" always "Always: Restart=always"
    e2e_is "$(unit_prop RestartUSec)" 10s "Always: RestartSec=10"

    t0=$(e2e_now_ms)
    out=$("$converter" start "$vm" 2>&1)
    local status=$?
    e2e_is "$status" 0 "Always: kubevirt-vm-to-pod start starts the unit"
    [ "$status" = 0 ] || e2e_diag "$out"
    e2e_diag "start returned after $(e2e_elapsed "$t0")"
    e2e_is "$(unit_prop ActiveState)" active "Always: the unit is active"
    out=$(wait_ready)
    e2e_diag "start to the guest's KVPOD-READY: $(e2e_elapsed "$t0")"
    e2e_contains "$out" "KVPOD-GUEST-BOOTED" "Always: the guest booted under the unit"
    e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 1" "Always: the data disk counts the first boot"
    [ "$(e2e_vm_guest_line "$out" BOOTCOUNT)" = "KVPOD-BOOTCOUNT 1" ] || unit_diag

    end_and_restart Always crash 2

    out=$("$converter" status "$vm" 2>&1)
    e2e_contains "$out" "$unit" "Always: kubevirt-vm-to-pod status names the unit"
    e2e_diag "$out"
    out=$("$converter" list 2>&1)
    e2e_contains "$out" "$unit" "Always: kubevirt-vm-to-pod list names the unit"

    end_and_restart Always poweroff 3

    # Stopped by hand through systemctl: gracefully, and it stays stopped.
    local capture=$E2E_TMP/capture.txt cap_pid
    rm -f "$E2E_TMP/capture.fifo"
    mkfifo "$E2E_TMP/capture.fifo"
    "$converter" console "$vm" <"$E2E_TMP/capture.fifo" >"$capture" 2>&1 &
    cap_pid=$!
    exec 9>"$E2E_TMP/capture.fifo"
    sleep 1
    local restarts
    restarts=$(unit_prop NRestarts)
    t0=$(e2e_now_ms)
    out=$("$converter" stop "$vm" 2>&1)
    status=$?
    e2e_is "$status" 0 "Always: kubevirt-vm-to-pod stop stops the unit"
    [ "$status" = 0 ] || e2e_diag "$out"
    e2e_diag "stop took $(e2e_elapsed "$t0")"
    exec 9>&-
    for ((i = 0; i < 50; i++)); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.2; done
    kill "$cap_pid" 2>/dev/null
    wait "$cap_pid" 2>/dev/null
    e2e_contains "$(cat "$capture")" "KVPOD-POWEROFF synced" "Always: the stop shut the guest down gracefully (ACPI)"
    e2e_is "$(unit_prop ActiveState)" inactive "Always: after stop the unit is inactive (not failed)"
    e2e_is "$(unit_prop Result)" success "Always: after stop its result is success"
    [ "$(unit_prop Result)" = success ] || unit_diag
    sleep 15
    e2e_is "$(unit_prop ActiveState)" inactive "Always: 15 s later (RestartSec 10) it is still stopped"
    e2e_is "$(unit_prop NRestarts)" "$restarts" "Always: no restart after the stop (NRestarts still $restarts)"
    e2e_is "$(command podman ps --filter "name=^virt-launcher-$vm-compute\$" --format '{{.Names}}')" "" \
        "Always: no compute container runs"
    out=$("$converter" status "$vm" 2>&1)
    e2e_contains "$out" "$unit" "Always: stopped, kubevirt-vm-to-pod status still names the unit"
    e2e_contains "$out" "shut off" "Always: stopped, kubevirt-vm-to-pod status says shut off"
    out=$("$converter" list 2>&1)
    e2e_contains "$out" "$vm" "Always: stopped, kubevirt-vm-to-pod list still shows the VM"
    e2e_diag "$out"
}

# --- runStrategy RerunOnFailure ----------------------------------------------
rerun_on_failure_run() {
    local out t0 status
    install_vm RerunOnFailure --force
    e2e_is "$(unit_prop Restart)" on-failure "RerunOnFailure: Restart=on-failure"
    t0=$(e2e_now_ms)
    out=$(systemctl start "$unit" 2>&1)
    status=$?
    e2e_is "$status" 0 "RerunOnFailure: systemctl start"
    [ "$status" = 0 ] || e2e_diag "$out"
    out=$(wait_ready)
    e2e_diag "start to the guest's KVPOD-READY: $(e2e_elapsed "$t0")"
    e2e_contains "$out" "kvpod-token: RerunOnFailure" "RerunOnFailure: the reinstalled VM's guest booted"
    e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 4" "RerunOnFailure: the data disk kept its count (boot 4)"
    # A failure is what on-failure restarts. The Quadlet unit's verdict is its
    # ExecStopPost's (its main process, the service container, exits 0); the
    # plain unit's is its main process's (podman wait on guest-shutdown).
    end_and_restart RerunOnFailure crash 5

    e2e_vm_guest_line "$(console status)" BOOTCOUNT | cut -d' ' -f2 >"$keep/bootcount"
    local restarts
    restarts=$(unit_prop NRestarts)
    t0=$(e2e_now_ms)
    out=$(console poweroff)
    e2e_contains "$out" "KVPOD-POWEROFF synced" "RerunOnFailure: the guest powers itself off from its console"
    wait_state inactive failed
    e2e_diag "guest power-off to the unit's end: $(e2e_elapsed "$t0")"
    e2e_is "$(unit_prop ActiveState)" inactive "RerunOnFailure: after the guest's power-off the unit is inactive, not failed"
    e2e_is "$(unit_prop Result)" success "RerunOnFailure: its result is success"
    [ "$(unit_prop Result)" = success ] || unit_diag
    sleep 15
    e2e_is "$(unit_prop ActiveState)" inactive "RerunOnFailure: 15 s later (RestartSec 10) it is still stopped"
    e2e_is "$(unit_prop NRestarts)" "$restarts" "RerunOnFailure: systemd did not restart it (NRestarts still $restarts)"
}

# ============================================================================
# Outside: the systemd containers.
# ============================================================================
# relabel LABEL: TAP from another shell (the run inside, a suite run in the
# background) as this script's checks, "LABEL: " before each (none when
# LABEL is empty).
relabel() {
    local line re_ok='^ok [0-9]+ - (.*)$' re_not='^not ok [0-9]+ - (.*)$' re_skip='^(.*) # SKIP (.*)$'
    local label=${1:+$1: }
    while IFS= read -r line; do
        if [[ $line =~ $re_not ]]; then
            e2e_not_ok "$label${BASH_REMATCH[1]}"
        elif [[ $line =~ $re_ok ]]; then
            local desc=${BASH_REMATCH[1]}
            if [[ $desc =~ $re_skip ]]; then e2e_skip "$label${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; else e2e_ok "$label$desc"; fi
        elif [[ $line =~ ^inside-exit\ ([0-9]+)$ ]]; then
            # 0 or 1 (a check failed: reported above), 77 skipped; else it died early.
            case ${BASH_REMATCH[1]} in
            0 | 1) ;;
            77) e2e_skip "${label}the run inside" "it skipped (see above)" ;;
            *) e2e_not_ok "${label}the run inside ended early (exit ${BASH_REMATCH[1]})" ;;
            esac
        elif [[ $line =~ ^1\.\.[0-9]+ || $line =~ ^[0-9]+\ passed, ]]; then
            e2e_diag "${label}(inside): $line"
        elif [[ $line == '#'* ]]; then
            echo "$line"
        else
            e2e_diag "$line"
        fi
    done
}

outside() {
    e2e_init vmsystemd
    [ -x "$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod" ] || e2e_skip_all "no converter (build first)"
    e2e_require debootstrap
    local launcher_tar launcher_image guest_image guest_tar
    launcher_tar=$("$here/launcher/build.sh" --tarball) &&
        launcher_image=$("$here/launcher/build.sh") &&
        guest_image=$("$here/guest/build.sh") &&
        guest_tar=$(dirname "$("$here/guest/build.sh" --disk)")/containerdisk.tar ||
        e2e_skip_all "no launcher image or test guest (see above)"
    # The suites at the same time, each in a subshell whose TAP goes to a
    # file, then counted here in order.
    local suite pids=()
    for suite in ${E2E_SYSTEMD_SUITES:-bookworm trixie}; do
        one_suite "$suite" >"$E2E_TMP/suite-$suite.tap" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    for suite in ${E2E_SYSTEMD_SUITES:-bookworm trixie}; do
        relabel "" <"$E2E_TMP/suite-$suite.tap"
    done
    e2e_finish
}

# wait_booted SUITE T0 [WHEN]: until systemd in $ctr has booted (the bus is
# up, the boot's jobs are done: its tmpfiles setup empties /tmp); a check.
wait_booted() {
    local booted="" i
    for ((i = 0; i < 120; i++)); do
        booted=$(command podman exec "$ctr" systemctl is-system-running 2>&1)
        case $booted in running | degraded) break ;; esac
        sleep 0.5
    done
    e2e_check "$1: ${3:-}systemd as PID 1 boots ($booted, $(e2e_elapsed "$2"))" \
        bash -c '[ "$0" = running ] || [ "$0" = degraded ]' "$booted"
    [ "$booted" = running ] || e2e_diag "$(command podman exec "$ctr" systemctl --failed --no-pager 2>&1)"
    [ "$booted" = running ] || [ "$booted" = degraded ]
}

# run_inside LABEL MODE: this script in $ctr (--inside, --after-reboot); its
# checks become this script's, LABEL before each. relabel reads a process
# substitution, not a pipe: it counts this script's checks, so it must run
# in this shell.
run_inside() {
    relabel "$1" < <(command podman exec \
        -e E2E_BUILD_DIR="$E2E_BUILD_DIR" -e E2E_HOOK_BIN="$E2E_HOOK_BIN" -e E2E_KEEP="${E2E_KEEP:-0}" \
        -e E2E_BOOT_TIMEOUT="${E2E_BOOT_TIMEOUT:-300}" \
        -e E2E_LAUNCHER_IMAGE="$launcher_image" -e E2E_LAUNCHER_TAR="$launcher_tar" \
        -e E2E_GUEST_IMAGE="$guest_image" -e E2E_GUEST_TAR="$guest_tar" \
        -e PODMAN_IGNORE_CGROUPSV1_WARNING=1 -e TMPDIR=/var/tmp \
        -w "$E2E_SRC_ROOT" "$ctr" bash "$here/vm_systemd.sh" "$2" </dev/null 2>&1
        echo "inside-exit $?")
}

one_suite() {
    local suite=$1 tarball image ctr t0 t_suite
    t_suite=$(e2e_now_ms)
    if ! tarball=$("$here/systemd/rootfs.sh" "$suite"); then
        e2e_skip "$suite: systemd rootfs" "could not build it (see above)"
        return
    fi
    image=localhost/$E2E_PREFIX-$suite:latest
    ctr=$E2E_PREFIX-$suite
    t0=$(e2e_now_ms)
    command podman import "$tarball" "$image" >"$E2E_TMP/import-$suite.log" 2>&1 ||
        { e2e_not_ok "$suite: import the rootfs" "$(cat "$E2E_TMP/import-$suite.log")"; return; }
    e2e_diag "$suite: imported $(basename "$tarball") in $(e2e_elapsed "$t0")"

    local mounts=() bin name path
    for bin in "$E2E_HOOK_BIN" "$E2E_BUILD_DIR"/src/vm2pod/kubevirt-vm-to-pod; do
        while read -r name path; do
            grep -qxF "$name" "$tarball.libs" && continue
            mounts+=(-v "$path:/usr/lib/x86_64-linux-gnu/$name:ro")
        done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
    done
    mounts+=(-v "$E2E_SRC_ROOT:$E2E_SRC_ROOT:ro")
    case $E2E_BUILD_DIR/ in "$E2E_SRC_ROOT"/*) ;; *) mounts+=(-v "$E2E_BUILD_DIR:$E2E_BUILD_DIR:ro") ;; esac
    # Podman's storage inside: a directory here, so overlay works.
    mkdir -p "$E2E_TMP/$suite-storage"
    mounts+=(-v "$E2E_TMP/$suite-storage:/var/lib/containers")
    mounts+=(-v "$launcher_tar:$launcher_tar:ro" -v "$launcher_tar.changes:$launcher_tar.changes:ro"
        -v "$guest_tar:$guest_tar:ro")

    t0=$(e2e_now_ms)
    # Its own cgroup namespace: on this host's hybrid cgroups, with the host's,
    # runc under the inner systemd cgroup manager cannot find the scopes
    # systemd made ("error mounting cgroup to rootfs at /sys/fs/cgroup: stat
    # /sys/fs/cgroup/systemd/machine.slice/...: no such file or directory").
    if ! command podman run -d --name "$ctr" --privileged --systemd=always --cgroupns=private --network none \
        --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=8192:8192 \
        "${mounts[@]}" "$image" /lib/systemd/systemd >"$E2E_TMP/run-$suite.log" 2>&1; then
        e2e_not_ok "$suite: a container whose PID 1 is systemd starts" "$(cat "$E2E_TMP/run-$suite.log")"
        return
    fi
    wait_booted "$suite" "$t0" || { command podman rm -f -t 0 "$ctr" >/dev/null 2>&1; return; }
    run_inside "$suite" --inside

    # A reboot: systemd shuts down (podman stop sends it SIGRTMIN+3), the
    # container starts again with the same root and Podman storage, and the
    # RerunOnFailure VM, powered off before, starts with the system.
    # On trixie only: there Quadlet's generator must make the unit and its
    # boot link again at boot; the plain unit's link is systemctl enable's,
    # which is-enabled checked.
    if [ "$suite" = trixie ]; then
        t0=$(e2e_now_ms)
        command podman stop -t 120 "$ctr" >/dev/null 2>&1 && command podman start "$ctr" >/dev/null 2>&1
        wait_booted "$suite" "$t0" "after a reboot, " && run_inside "$suite" --after-reboot
    fi
    command podman rm -f -t 0 "$ctr" >/dev/null 2>&1
    command podman rmi -f "$image" >/dev/null 2>&1
    rm -rf "$E2E_TMP/$suite-storage"
    e2e_diag "$suite: $(e2e_elapsed "$t_suite") in all"
}

case ${1:-} in
--inside) inside ;;
--after-reboot) after_reboot ;;
*) outside ;;
esac
