# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/e2e/lib.sh: a small library for end-to-end tests that run real Podman
# with our OCI hook. Source it from a bash script, then call e2e_init first.
#
#   . "$(dirname "$0")/lib.sh"
#   e2e_init mytest                 # skips (exit 77) when not root or no podman
#   img=$(e2e_image)                # local busybox image, built once per run
#   root=$E2E_TMP/root; e2e_mknod "$root" /dev/kvm c 10 99 0666
#   printf '{}\n' >"$E2E_TMP/hook.yaml"
#   e2e_write_hook kubevirt "$root" "$E2E_TMP/hook.yaml"
#   e2e_log_start; e2e_log_mark
#   out=$(podman run --rm --name "$E2E_PREFIX-c1" ... "$img" ls -ln /dev/kvm 2>&1)
#   e2e_contains "$out" " 10,  99 " "kvm has the fake root's numbers"
#   e2e_finish                      # prints the plan and "N passed, N failed"
#
# Setup
#   e2e_init NAME        Checks preconditions, makes $E2E_TMP, a private
#                        containers.conf ($CONTAINERS_CONF, runtime runc, ulimits
#                        nofile/nproc 1024), an empty hooks dir ($E2E_HOOKS_DIR)
#                        and $E2E_PREFIX ("e2e-NAME-<pid>"): every container,
#                        pod, volume and image name of the test must start with
#                        "$E2E_PREFIX-" (images: "localhost/$E2E_PREFIX-"), so
#                        the cleanup finds them and no one else's.
#                        Installs the EXIT trap that cleans up.
#   e2e_skip_all REASON  Prints "1..0 # SKIP REASON" and exits 77.
#   e2e_require CMD...   e2e_skip_all unless every CMD is on PATH.
#   e2e_on_cleanup CMD.. Runs CMD (one shell word list) at exit, last first.
#   podman ARGS...       Podman with the private containers.conf and
#                        --hooks-dir $E2E_HOOKS_DIR ($E2E_PODMAN_ARGS, split at
#                        spaces, go before ARGS).
#
# Images and host fakes
#   e2e_image            Prints the name of a local busybox image (Debian's
#                        busybox-static, PATH=/bin), importing it on first use.
#                        With $E2E_IMAGE set, prints that instead (kept).
#   e2e_mknod ROOT PATH TYPE MAJOR MINOR MODE
#                        Creates the device node ROOT/PATH (TYPE c or b, MODE
#                        octal) and its parent directories.
#   e2e_write_hook NAME HOST_ROOT CONFIG [ARG...]
#                        Writes $E2E_HOOKS_DIR/NAME.json: the build tree's
#                        hooks.d descriptor (oci-kubevirt-hook.build.json: the
#                        shipped when/stages/timeout) running $E2E_HOOK_BIN with
#                        --host-root HOST_ROOT --config CONFIG and ARGs.
#   e2e_remove_hook NAME Removes it again.
#   e2e_oci_config CTR   Prints the OCI config Podman saved for container CTR
#                        (what the runtime got, after the hooks).
#
# The hook's log (syslog, identifier $E2E_LOG_IDENT, default oci-kubevirt-hook)
#   e2e_log_start        Makes the hook's syslog readable. Without /dev/log it
#                        starts a listener (syslog_listener.py) shared by every
#                        test on the host that uses this library and stopped by
#                        the last one; with journald it reads journalctl -t.
#                        Sets $E2E_LOG_MODE: file, journal or none (no way to
#                        read: tests then skip their log checks).
#   e2e_log_mark         Remembers "now": e2e_log_text shows what follows.
#   e2e_log_text         Prints the hook's log lines since the last mark.
#   e2e_log_wait TEXT [SECONDS]
#                        Waits (default 5 s) until TEXT appears after the mark.
#   e2e_log_check DESC TEXT
#                        A TAP check that TEXT is logged (a skip in mode none).
#
# TAP output (a failed check does not stop the script)
#   e2e_ok DESC / e2e_not_ok DESC [DIAG...]
#   e2e_check DESC CMD...        ok when CMD exits 0 (its output goes to diag)
#   e2e_is GOT WANT DESC         string equality
#   e2e_contains TEXT PART DESC  TEXT has the fixed string PART
#   e2e_lacks TEXT PART DESC     TEXT does not have PART
#   e2e_skip DESC REASON         "ok N - DESC # SKIP REASON"
#   e2e_diag TEXT...             "# TEXT" lines
#   e2e_finish                   Prints "1..N" and "N passed, N failed, N skipped",
#                                exits 1 when anything failed, else 0.
#
# Real VMs: KubeVirt's virt-launcher and the test guest (vm_*.sh)
#   e2e_vm_init NAME     e2e_init NAME, then everything a script that boots the
#                        test guest under the real launcher needs, skipping
#                        (exit 77) where it cannot run:
#                        - the converter ($E2E_CONVERTER, default the build
#                          tree's) and this Podman's version
#                          ($E2E_PODMAN_VERSION, e.g. 4.3.1);
#                        - nested, the images the host lends imported
#                          (e2e_vm_import_lent_images);
#                        - $E2E_LAUNCHER_IMAGE (launcher/build.sh, cached) and
#                          $E2E_GUEST_IMAGE (guest/build.sh, cached; or as
#                          given);
#                        - $E2E_ACCEL: kvm where /dev/kvm runs a guest (a
#                          QEMU probe), else tcg; E2E_ACCEL=kvm|tcg forces it;
#                        - the hook installed (e2e_vm_install_hook $E2E_TMP);
#                        - $CONTAINERS_CONF rewritten for VMs
#                          (e2e_vm_write_containers_conf).
#   e2e_vm_import_lent_images
#                        Nested (podman5/run.sh, systemd containers), the host
#                        lends its launcher and guest images as tarballs:
#                        imports $E2E_LAUNCHER_TAR (with its .changes) as
#                        $E2E_LAUNCHER_IMAGE and $E2E_GUEST_TAR as
#                        $E2E_GUEST_IMAGE, each where set and not there yet.
#   e2e_vm_built VAR WHAT SCRIPT [ARG...]
#                        Runs the cached build SCRIPT (a path under tests/e2e)
#                        and sets VAR to what it prints; its exit 77 skips the
#                        whole test ("no WHAT"), another failure fails it.
#   e2e_vm_install_hook DIR
#                        The host root the hook discovers, DIR/root: the real
#                        device numbers of /dev/net/tun, and of /dev/kvm under
#                        kvm; DIR/hook.yaml with allowEmulation under tcg (the
#                        launcher then asks libvirt for TCG); the hook in
#                        $E2E_HOOKS_DIR.
#   e2e_vm_write_containers_conf FILE [LINE...]
#                        What a user of this Podman sets, as the converter's
#                        warnings say: passt's sysctls, this machine's hard
#                        open-files limit, runc, stop_timeout 90 before 4.7;
#                        LINEs are added to [engine].
#   e2e_podman_before MAJOR MINOR
#                        True when this Podman is older than MAJOR.MINOR.
#   e2e_vm_make_claim NAME MIB
#                        A volume NAME holding a sparse disk.img of MIB MiB for
#                        uid 107 (a persistentVolumeClaim disk), removed at exit.
#   e2e_vm_convert VMFILE OUT [ARG...]
#                        The converter, with the launcher image, this Podman's
#                        version and ARGs: the Pod in OUT, messages in OUT.err.
#   e2e_vm_run_setup ERRFILE
#                        Runs the "before podman kube play, run: ..." lines the
#                        converter printed in ERRFILE; fails, saying which line
#                        and its output on stderr, when one fails.
#   e2e_vm_play POD [ARG...]
#                        podman kube play ARGs POD, its output in POD.play.
#   e2e_vm_forget VM     At exit: removes VM's Pod at once, then the volumes
#                        named after it (the setup's, kube play's).
#   e2e_vm_console VM INPUT
#                        What the guest answers on its serial console to INPUT
#                        (through kubevirt-vm-to-pod console).
#   e2e_vm_wait_ready VM Asks the guest for its status until it says
#                        KVPOD-READY ($E2E_BOOT_TIMEOUT s, default 300, less
#                        when the compute container cannot boot it); prints
#                        its last answer.
#   e2e_vm_guest_line TEXT KEY
#                        The last line "KVPOD-KEY..." of the guest in TEXT.
#   e2e_now_ms; e2e_elapsed T0
#                        Milliseconds now; "N ms" since T0 (an e2e_now_ms).
#
# Variables for scripts: E2E_TMP, E2E_PREFIX, E2E_HOOKS_DIR, E2E_SRC_ROOT,
# E2E_BUILD_DIR, E2E_HOOK_BIN, E2E_ANNOTATION (kubevirt-vm-to-pod/vm).
# Environment: E2E_BUILD_DIR (default <repo>/build), E2E_HOOK_BIN (default
# $E2E_BUILD_DIR/src/hook/oci-kubevirt-hook), E2E_KEEP=1 keeps $E2E_TMP,
# E2E_IMAGE, E2E_PODMAN_ARGS, E2E_SYSLOG_STATE (default /run/kvpod-e2e-syslog).

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC_ROOT=$(cd "$E2E_LIB_DIR/../.." && pwd)
E2E_BUILD_DIR=${E2E_BUILD_DIR:-$E2E_SRC_ROOT/build}
E2E_HOOK_BIN=${E2E_HOOK_BIN:-$E2E_BUILD_DIR/src/hook/oci-kubevirt-hook}
E2E_LOG_IDENT=${E2E_LOG_IDENT:-oci-kubevirt-hook}
E2E_SYSLOG_STATE=${E2E_SYSLOG_STATE:-/run/kvpod-e2e-syslog}
# shellcheck disable=SC2034  # for the scripts that source this file
E2E_ANNOTATION=kubevirt-vm-to-pod/vm

E2E_TAP_N=0
E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0
E2E_FINISHED=0
E2E_CLEANUPS=()
E2E_LOG_MODE=
E2E_LOG_MARK=
E2E_LOG_REGISTERED=0

# --- setup -------------------------------------------------------------------

e2e_skip_all() {
    echo "1..0 # SKIP $*"
    E2E_FINISHED=1
    exit 77
}

e2e_require() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || e2e_skip_all "$cmd is not installed"
    done
}

e2e_init() {
    local name=$1
    [[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || { echo "e2e_init: bad name '$name'" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || e2e_skip_all "needs root (rootful Podman, mknod)"
    e2e_require podman jq
    [ -x "$E2E_HOOK_BIN" ] || e2e_skip_all "no hook binary at $E2E_HOOK_BIN (build first, or set E2E_BUILD_DIR)"

    E2E_PREFIX="e2e-$name-$$"
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$E2E_PREFIX.XXXXXX")
    E2E_HOOKS_DIR=$E2E_TMP/hooks.d
    mkdir -p "$E2E_HOOKS_DIR"
    cat >"$E2E_TMP/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
EOF
    export CONTAINERS_CONF=$E2E_TMP/containers.conf
    trap e2e_exit_trap EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    e2e_diag "$name: $(command podman --version), prefix $E2E_PREFIX, temp $E2E_TMP"
}

e2e_on_cleanup() {
    E2E_CLEANUPS+=("$*")
}

podman() {
    # shellcheck disable=SC2086  # E2E_PODMAN_ARGS is a list of words
    command podman ${E2E_PODMAN_ARGS:-} --hooks-dir "$E2E_HOOKS_DIR" "$@"
}

e2e_exit_trap() {
    local status=$?
    if [ "$E2E_FINISHED" = 0 ]; then
        e2e_not_ok "the script ended early (exit status $status)"
        e2e_cleanup
        e2e_summary
        exit 1
    fi
    e2e_cleanup
    exit "$status"
}

# Sets names[] to the objects Podman lists (ARGS: a listing command) that
# carry this test's prefix.
e2e_names() {
    mapfile -t names < <(command podman "$@" 2>/dev/null | grep -E "^(localhost/)?$E2E_PREFIX-")
}

# Removes only what this test created: pods, containers, volumes and images
# whose names start with "$E2E_PREFIX-", its temp dir, its use of the syslog
# listener.
e2e_cleanup() {
    set +e
    local i names=()
    for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${E2E_CLEANUPS[i]}" >/dev/null 2>&1
    done
    E2E_CLEANUPS=()
    if [ -n "${E2E_PREFIX:-}" ]; then
        # "$E2E_PREFIX-": e2e-hook-12 must not match another run's e2e-hook-123-...
        e2e_names pod ls --format '{{.Name}}'
        [ ${#names[@]} = 0 ] || command podman pod rm -f -t 0 "${names[@]}" >/dev/null 2>&1
        e2e_names ps -a --format '{{.Names}}'
        [ ${#names[@]} = 0 ] || command podman rm -f -t 0 "${names[@]}" >/dev/null 2>&1
        e2e_names volume ls --format '{{.Name}}'
        [ ${#names[@]} = 0 ] || command podman volume rm -f "${names[@]}" >/dev/null 2>&1
        e2e_names images --format '{{.Repository}}:{{.Tag}}'
        [ ${#names[@]} = 0 ] || command podman rmi -f "${names[@]}" >/dev/null 2>&1
    fi
    e2e_log_stop
    if [ -n "${E2E_TMP:-}" ] && [ -d "$E2E_TMP" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ]; then e2e_diag "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
    fi
}

# --- images and host fakes ---------------------------------------------------

# Builds a busybox image tree under DIR: /bin/busybox and a link per applet.
e2e_busybox_tree() {
    local dir=$1 busybox applet
    busybox=$(command -v busybox) || { echo "busybox-static is not installed" >&2; return 1; }
    # The image has no libraries: ldd must find nothing to load.
    ! ldd "$busybox" >/dev/null 2>&1 ||
        { echo "$busybox is not statically linked (install busybox-static)" >&2; return 1; }
    mkdir -p "$dir"/{bin,etc,tmp,proc,sys,dev,root,run,var}
    cp "$busybox" "$dir/bin/busybox"
    for applet in $("$dir/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nqemu:x:107:107:qemu:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nqemu:x:107:\n' >"$dir/etc/group"
}

e2e_image() {
    if [ -n "${E2E_IMAGE:-}" ]; then
        echo "$E2E_IMAGE"
        return
    fi
    local name=localhost/$E2E_PREFIX-busybox:latest tree=$E2E_TMP/busybox-tree
    # Called as img=$(e2e_image), this runs in a subshell and cannot remember
    # the import: the image's existence is the memory.
    if command podman image exists "$name"; then
        echo "$name"
        return
    fi
    e2e_busybox_tree "$tree" >&2 || return 1
    tar -C "$tree" -c . | command podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
        - "$name" >"$E2E_TMP/import.log" 2>&1 || { cat "$E2E_TMP/import.log" >&2; return 1; }
    rm -rf "$tree"
    echo "$name"
}

e2e_mknod() {
    local root=$1 path=$2 type=$3 major=$4 minor=$5 mode=$6
    mkdir -p "$(dirname "$root/$path")"
    rm -f "$root/$path"
    mknod -m "$mode" "$root/$path" "$type" "$major" "$minor"
}

e2e_write_hook() {
    local name=$1 host_root=$2 config=$3 descriptor=$E2E_BUILD_DIR/hooks.d/oci-kubevirt-hook.build.json
    shift 3
    [ -r "$descriptor" ] || { echo "e2e_write_hook: no $descriptor (build first)" >&2; return 1; }
    # The build tree's own descriptor (its when/stages/timeout are what ships),
    # with our binary and arguments. Written aside and renamed: one unparsable
    # JSON in a hooks dir fails every container start.
    jq --arg bin "$E2E_HOOK_BIN" --arg root "$host_root" --arg config "$config" \
        '.hook.path = $bin | .hook.args += ["--host-root", $root, "--config", $config] + $ARGS.positional' \
        "$descriptor" --args "$@" >"$E2E_HOOKS_DIR/.$name.json.tmp" || return 1
    mv "$E2E_HOOKS_DIR/.$name.json.tmp" "$E2E_HOOKS_DIR/$name.json"
}

e2e_remove_hook() {
    rm -f "$E2E_HOOKS_DIR/$1.json"
}

e2e_oci_config() {
    local path
    # inspect warns on stderr about device numbers the host lacks (our fakes)
    path=$(command podman inspect --format '{{.OCIConfigPath}}' "$1" 2>/dev/null) || return 1
    cat "$path"
}

# --- real VMs: KubeVirt's virt-launcher and the test guest ----------------------

e2e_now_ms() { echo $(($(date +%s%N) / 1000000)); }
e2e_elapsed() { echo "$(($(e2e_now_ms) - $1)) ms"; }

e2e_podman_before() {
    local major=${E2E_PODMAN_VERSION%%.*} minor
    minor=$(cut -d. -f2 <<<"$E2E_PODMAN_VERSION")
    [ "$major" -lt "$1" ] || { [ "$major" = "$1" ] && [ "$minor" -lt "$2" ]; }
}

e2e_vm_built() {
    local var=$1 what=$2 script=$3 out status=0
    out=$("$E2E_LIB_DIR/$script" "${@:4}") || status=$?
    if [ "$status" = 0 ]; then
        printf -v "$var" '%s' "$out"
        return
    fi
    [ "$status" = 77 ] && e2e_skip_all "no $what (see $script's reason above)"
    e2e_not_ok "$script failed (exit $status)"
    e2e_finish
}

e2e_vm_install_hook() {
    local dir=$1
    e2e_mknod "$dir/root" /dev/net/tun c 10 200 0666
    [ "$E2E_ACCEL" = kvm ] && e2e_mknod "$dir/root" /dev/kvm c 10 232 0666
    printf 'allowEmulation: %s\n' "$([ "$E2E_ACCEL" = tcg ] && echo true || echo false)" >"$dir/hook.yaml"
    e2e_write_hook kubevirt "$dir/root" "$dir/hook.yaml"
}

e2e_vm_write_containers_conf() {
    local file=$1 nofile line
    shift
    # passt opens a socket per listed port: the most open files this machine
    # allows (a container cannot raise its hard limit; nested, the outer
    # container's). Podman < 4.5 ignores the Pod's sysctls: containers.conf's
    # apply. runc: crun 1.8.1 fails on this machine's hybrid cgroups.
    nofile=$(ulimit -Hn)
    [ "$nofile" = unlimited ] && nofile=1048576
    cat >"$file" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
default_sysctls = ["net.ipv4.ping_group_range=107 107", "net.ipv4.ip_unprivileged_port_start=0"]

[engine]
runtime = "runc"
EOF
    # Before 4.7 kube play ignores the Pod's grace period (90 s: the VM's 60 +
    # 30, as KubeVirt pads it); the converter says to set stop_timeout instead.
    e2e_podman_before 4 7 && printf 'stop_timeout = 90\n' >>"$file"
    for line in "$@"; do printf '%s\n' "$line" >>"$file"; done
}

e2e_vm_import_lent_images() {
    local changes=()
    if [ -n "${E2E_LAUNCHER_TAR:-}" ] && ! command podman image exists "$E2E_LAUNCHER_IMAGE"; then
        mapfile -t changes <"$E2E_LAUNCHER_TAR.changes"
        command podman import "${changes[@]/#/--change=}" "$E2E_LAUNCHER_TAR" "$E2E_LAUNCHER_IMAGE" >/dev/null ||
            e2e_skip_all "cannot import $E2E_LAUNCHER_TAR"
    fi
    if [ -n "${E2E_GUEST_TAR:-}" ] && ! command podman image exists "$E2E_GUEST_IMAGE"; then
        command podman import "$E2E_GUEST_TAR" "$E2E_GUEST_IMAGE" >/dev/null || e2e_skip_all "cannot import $E2E_GUEST_TAR"
    fi
}

e2e_vm_init() {
    e2e_init "$1"
    E2E_CONVERTER=${E2E_CONVERTER:-$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod}
    [ -x "$E2E_CONVERTER" ] || e2e_skip_all "no converter at $E2E_CONVERTER (build first)"
    E2E_BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-300}
    E2E_PODMAN_VERSION=$(command podman version --format '{{.Client.Version}}')

    local t0
    t0=$(e2e_now_ms)
    e2e_vm_import_lent_images
    # launcher/build.sh prints E2E_LAUNCHER_IMAGE itself when it is set.
    e2e_vm_built E2E_LAUNCHER_IMAGE "virt-launcher image" launcher/build.sh
    [ -n "${E2E_GUEST_IMAGE:-}" ] || e2e_vm_built E2E_GUEST_IMAGE "test guest" guest/build.sh

    E2E_ACCEL=${E2E_ACCEL:-auto}
    if [ "$E2E_ACCEL" = auto ]; then
        E2E_ACCEL=$("$E2E_LIB_DIR/guest/run-qemu.sh" --accel-probe 2>"$E2E_TMP/kvm-probe.log") || E2E_ACCEL=tcg
    fi
    e2e_diag "launcher $E2E_LAUNCHER_IMAGE, guest $E2E_GUEST_IMAGE ($(e2e_elapsed "$t0")); guests run under $E2E_ACCEL"
    e2e_vm_install_hook "$E2E_TMP"
    e2e_vm_write_containers_conf "$CONTAINERS_CONF"
}

e2e_vm_make_claim() {
    local dir
    command podman volume create "$1" >/dev/null || return 1
    e2e_on_cleanup "command podman volume rm -f '$1'"
    dir=$(command podman volume inspect --format '{{.Mountpoint}}' "$1") || return 1
    truncate -s "${2}M" "$dir/disk.img" && chown 107:107 "$dir/disk.img" && chmod 0660 "$dir/disk.img"
}

e2e_vm_convert() {
    local vm_file=$1 out=$2
    shift 2
    "$E2E_CONVERTER" "$vm_file" --launcher-image "$E2E_LAUNCHER_IMAGE" --podman-version "$E2E_PODMAN_VERSION" \
        "$@" >"$out" 2>"$out.err"
}

e2e_vm_run_setup() {
    local prefix='kubevirt-vm-to-pod: before podman kube play, run: ' line status=0
    while IFS= read -r line; do
        eval "${line#"$prefix"}" >"$E2E_TMP/setup.log" 2>&1 ||
            { status=1; echo "failed: ${line#"$prefix"}: $(cat "$E2E_TMP/setup.log")" >&2; }
    done < <(grep "^$prefix" "$1")
    return "$status"
}

e2e_vm_play() {
    local pod=$1
    shift
    podman kube play "$@" "$pod" >"$pod.play" 2>&1
}

# Removed in this order: removing a volume a running container uses hung
# Podman 4.3.1 (seen in CI: 18 minutes). The Pod is killed at once: the test
# is over, and a graceful stop takes a minute.
e2e_vm_forget() {
    e2e_on_cleanup "command podman pod rm -f -t 0 'virt-launcher-$1'; command podman volume ls -q | grep -E '^((virt-launcher-)?$1-|persistent-state-for-$1-)' | xargs -r podman volume rm -f"
}

# stdin not a terminal: kubevirt-vm-to-pod console relays INPUT, then what
# the guest prints until it has been quiet for a while.
e2e_vm_console() {
    printf '%s\n' "$2" | timeout 60 "$E2E_CONVERTER" console --podman "$(command -v podman)" "$1" 2>&1
}

e2e_vm_wait_ready() {
    local vm=$1 out="" started=$SECONDS
    while [ $((SECONDS - started)) -lt "$E2E_BOOT_TIMEOUT" ]; do
        out=$(e2e_vm_console "$vm" status)
        case $out in *KVPOD-READY*) break ;; esac
        # A compute container that is gone or has exited boots nothing; nor
        # does one still not started after two minutes (a failed import of a
        # DataVolume holds it).
        case $(command podman inspect --format '{{.State.Status}}' "virt-launcher-$vm-compute" 2>/dev/null) in
        running) ;;
        created | configured | initialized) [ $((SECONDS - started)) -gt 120 ] && break ;;
        *) [ $((SECONDS - started)) -gt 30 ] && break ;;
        esac
        sleep 3
    done
    printf '%s\n' "$out"
}

e2e_vm_guest_line() {
    grep -a "^KVPOD-$2" <<<"$1" | tail -n1 | tr -d '\r'
}

# --- the hook's log ----------------------------------------------------------

e2e_python() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

# The lock that serialises starting, joining and stopping the shared listener.
# The fd is open only while held, so no container process inherits it.
e2e_log_lock() {
    exec {E2E_LOG_LOCK_FD}>"$E2E_SYSLOG_STATE/lock"
    flock "$E2E_LOG_LOCK_FD"
}

e2e_log_unlock() {
    flock -u "$E2E_LOG_LOCK_FD"
    exec {E2E_LOG_LOCK_FD}>&-
}

# Drops users of the shared listener whose process is gone. Holds the lock.
e2e_log_prune_users() {
    local user
    for user in "$E2E_SYSLOG_STATE"/users/*; do
        [ -e "$user" ] || continue
        kill -0 "${user##*/}" 2>/dev/null || rm -f "$user"
    done
}

# pid and socket inode of the shared listener if it runs and owns /dev/log.
e2e_log_listener() {
    local pid inode
    [ -r "$E2E_SYSLOG_STATE/pid" ] || return 1
    read -r pid inode <"$E2E_SYSLOG_STATE/pid" || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    [ -S /dev/log ] && [ "$(stat -c %i /dev/log)" = "$inode" ] || return 1
    echo "$pid $inode"
}

e2e_log_start() {
    [ -z "$E2E_LOG_MODE" ] || return 0
    local state=$E2E_SYSLOG_STATE python i
    mkdir -p "$state/users"
    e2e_log_lock
    e2e_log_prune_users
    if e2e_log_listener >/dev/null; then
        E2E_LOG_MODE="file"
    else
        if [ -r "$state/pid" ]; then
            # A listener of ours died: its socket (same inode) is stale.
            local pid inode
            read -r pid inode <"$state/pid"
            [ -S /dev/log ] && [ "$(stat -c %i /dev/log)" = "$inode" ] && rm -f /dev/log
            rm -f "$state/pid" "$state/messages"
        fi
        if [ -e /dev/log ]; then
            if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null; then
                E2E_LOG_MODE=journal
            else
                E2E_LOG_MODE=none
            fi
        elif python=$(e2e_python) && [ -n "$python" ]; then
            : >"$state/messages"
            setsid "$python" "$E2E_LIB_DIR/syslog_listener.py" /dev/log "$state/messages" "$state/pid" \
                </dev/null >"$state/listener.err" 2>&1 {E2E_LOG_LOCK_FD}>&- &
            for ((i = 0; i < 50; i++)); do
                e2e_log_listener >/dev/null && break
                sleep 0.1
            done
            if e2e_log_listener >/dev/null; then E2E_LOG_MODE="file"; else
                e2e_diag "the syslog listener did not start: $(cat "$state/listener.err")"
                E2E_LOG_MODE=none
            fi
        else
            E2E_LOG_MODE=none
        fi
    fi
    if [ "$E2E_LOG_MODE" = file ]; then
        : >"$state/users/$$"
        E2E_LOG_REGISTERED=1
    fi
    e2e_log_unlock
    e2e_diag "hook log: $E2E_LOG_MODE"
    [ "$E2E_LOG_MODE" != none ]
}

e2e_log_stop() {
    [ "$E2E_LOG_REGISTERED" = 1 ] || return 0
    local state=$E2E_SYSLOG_STATE listener pid inode i
    e2e_log_lock
    rm -f "$state/users/$$"
    e2e_log_prune_users
    if [ -z "$(ls -A "$state/users")" ] && listener=$(e2e_log_listener); then
        read -r pid inode <<<"$listener"
        kill "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$state/pid" "$state/messages"
    fi
    e2e_log_unlock
    E2E_LOG_REGISTERED=0
    E2E_LOG_MODE=
}

e2e_log_mark() {
    case $E2E_LOG_MODE in
    file) E2E_LOG_MARK=$(stat -c %s "$E2E_SYSLOG_STATE/messages") ;;
    journal) E2E_LOG_MARK=$(date +%s.%N) ;;
    *) E2E_LOG_MARK= ;;
    esac
}

e2e_log_text() {
    case $E2E_LOG_MODE in
    file) tail -c +"$((${E2E_LOG_MARK:-0} + 1))" "$E2E_SYSLOG_STATE/messages" | grep -F " ${E2E_LOG_IDENT}[" ;;
    journal) journalctl --no-pager -q -o short-iso -t "$E2E_LOG_IDENT" --since "@${E2E_LOG_MARK%.*}" ;;
    *) return 1 ;;
    esac
}

e2e_log_wait() {
    local text=$1 seconds=${2:-5} i
    for ((i = 0; i < seconds * 10; i++)); do
        e2e_log_text 2>/dev/null | grep -qF -- "$text" && return 0
        sleep 0.1
    done
    return 1
}

# ok when TEXT shows up in the hook's log (waiting up to 5 s); a skip when
# the log cannot be read here.
e2e_log_check() {
    local desc=$1 text=$2
    if [ "$E2E_LOG_MODE" = none ] || [ -z "$E2E_LOG_MODE" ]; then
        e2e_skip "$desc" "cannot read the hook's syslog on this host"
    elif e2e_log_wait "$text"; then
        e2e_ok "$desc"
    else
        e2e_not_ok "$desc" "missing in the hook's log: $text" "log since the mark:" "$(e2e_log_text)"
    fi
}

# --- TAP ---------------------------------------------------------------------

e2e_diag() {
    local line
    while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

e2e_ok() {
    E2E_TAP_N=$((E2E_TAP_N + 1))
    E2E_PASSED=$((E2E_PASSED + 1))
    echo "ok $E2E_TAP_N - $1"
}

e2e_not_ok() {
    E2E_TAP_N=$((E2E_TAP_N + 1))
    E2E_FAILED=$((E2E_FAILED + 1))
    echo "not ok $E2E_TAP_N - $1"
    shift
    local line
    for line in "$@"; do e2e_diag "$line"; done
}

e2e_skip() {
    E2E_TAP_N=$((E2E_TAP_N + 1))
    E2E_SKIPPED=$((E2E_SKIPPED + 1))
    echo "ok $E2E_TAP_N - $1 # SKIP $2"
}

e2e_check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then e2e_ok "$desc"; else e2e_not_ok "$desc" "command: $*" "$out"; fi
}

e2e_is() {
    if [ "$1" = "$2" ]; then e2e_ok "$3"; else e2e_not_ok "$3" "got:  $1" "want: $2"; fi
}

e2e_contains() {
    if grep -qF -- "$2" <<<"$1"; then e2e_ok "$3"; else e2e_not_ok "$3" "missing: $2" "in: $1"; fi
}

e2e_lacks() {
    if grep -qF -- "$2" <<<"$1"; then e2e_not_ok "$3" "unexpected: $2" "in: $1"; else e2e_ok "$3"; fi
}

e2e_summary() {
    echo "1..$E2E_TAP_N"
    echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
}

e2e_finish() {
    e2e_summary
    E2E_FINISHED=1
    [ "$E2E_FAILED" = 0 ] && [ "$E2E_TAP_N" -gt 0 ]
    exit $?
}
