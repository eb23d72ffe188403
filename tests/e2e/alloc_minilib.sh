# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# A minimal stand-in for tests/e2e/lib.sh (the shared e2e harness), with the
# same function names, for the alloc-* tests while that harness is not on
# this branch. The tests source lib.sh when it is there, else this file.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC_ROOT=$(cd "$E2E_LIB_DIR/../.." && pwd)
E2E_BUILD_DIR=${E2E_BUILD_DIR:-$E2E_SRC_ROOT/build}
E2E_HOOK_BIN=${E2E_HOOK_BIN:-$E2E_BUILD_DIR/src/hook/oci-kubevirt-hook}
E2E_TAP_N=0
E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0
E2E_FINISHED=0
E2E_CLEANUPS=()

e2e_skip_all() {
    echo "1..0 # SKIP $*"
    E2E_FINISHED=1
    exit 77
}

e2e_require() {
    local cmd
    for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || e2e_skip_all "$cmd is not installed"; done
}

e2e_init() {
    local name=$1
    [ "$(id -u)" = 0 ] || e2e_skip_all "needs root (rootful Podman, mknod)"
    e2e_require podman jq
    [ -x "$E2E_HOOK_BIN" ] || e2e_skip_all "no hook binary at $E2E_HOOK_BIN (build first, or set E2E_BUILD_DIR)"
    E2E_PREFIX="e2e-$name-$$"
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$E2E_PREFIX.XXXXXX")
    E2E_HOOKS_DIR=$E2E_TMP/hooks.d
    mkdir -p "$E2E_HOOKS_DIR"
    printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n\n[engine]\nruntime = "runc"\n' \
        >"$E2E_TMP/containers.conf"
    export CONTAINERS_CONF=$E2E_TMP/containers.conf
    trap e2e_exit_trap EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    e2e_diag "$name: $(command podman --version), prefix $E2E_PREFIX, temp $E2E_TMP"
}

e2e_on_cleanup() { E2E_CLEANUPS+=("$*"); }

podman() { command podman --hooks-dir "$E2E_HOOKS_DIR" "$@"; }

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

e2e_cleanup() {
    set +e
    local i names
    for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${E2E_CLEANUPS[i]}" >/dev/null 2>&1; done
    E2E_CLEANUPS=()
    names=$(command podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$E2E_PREFIX" || true)
    # shellcheck disable=SC2086
    [ -z "$names" ] || command podman rm -f -t 0 $names >/dev/null 2>&1
    names=$(command podman images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "^localhost/$E2E_PREFIX-" || true)
    # shellcheck disable=SC2086
    [ -z "$names" ] || command podman rmi -f $names >/dev/null 2>&1
    if [ "${E2E_KEEP:-0}" = 1 ]; then e2e_diag "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
}

e2e_image() {
    local name=localhost/$E2E_PREFIX-busybox:latest tree=$E2E_TMP/busybox-tree busybox applet
    if command podman image exists "$name"; then echo "$name"; return; fi
    busybox=$(command -v busybox) || { echo "busybox-static is not installed" >&2; return 1; }
    mkdir -p "$tree"/{bin,etc,tmp,proc,sys,dev,run}
    cp "$busybox" "$tree/bin/busybox"
    for applet in $("$tree/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$tree/bin/$applet"; done
    tar -C "$tree" -c . | command podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$name" \
        >"$E2E_TMP/import.log" 2>&1 || { cat "$E2E_TMP/import.log" >&2; return 1; }
    rm -rf "$tree"
    echo "$name"
}

e2e_oci_config() {
    local path
    path=$(command podman inspect --format '{{.OCIConfigPath}}' "$1" 2>/dev/null) || return 1
    cat "$path"
}

e2e_diag() {
    local line
    while IFS= read -r line; do echo "# $line"; done <<<"$*"
}

e2e_ok() {
    E2E_TAP_N=$((E2E_TAP_N + 1)); E2E_PASSED=$((E2E_PASSED + 1))
    echo "ok $E2E_TAP_N - $1"
}

e2e_not_ok() {
    E2E_TAP_N=$((E2E_TAP_N + 1)); E2E_FAILED=$((E2E_FAILED + 1))
    echo "not ok $E2E_TAP_N - $1"
    shift
    [ $# -eq 0 ] || e2e_diag "$@"
}

e2e_skip() {
    E2E_TAP_N=$((E2E_TAP_N + 1)); E2E_SKIPPED=$((E2E_SKIPPED + 1))
    echo "ok $E2E_TAP_N - $1 # SKIP $2"
}

e2e_is() {
    if [ "$1" = "$2" ]; then e2e_ok "$3"; else e2e_not_ok "$3" "got:  $1" "want: $2"; fi
}

e2e_contains() {
    case $1 in *"$2"*) e2e_ok "$3" ;; *) e2e_not_ok "$3" "missing: $2" "in: $1" ;; esac
}

e2e_check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then e2e_ok "$desc"; else e2e_not_ok "$desc" "$out"; fi
}

e2e_summary() {
    echo "1..$E2E_TAP_N"
    echo "$E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
}

e2e_finish() {
    E2E_FINISHED=1
    e2e_summary
    [ "$E2E_FAILED" = 0 ]
}
