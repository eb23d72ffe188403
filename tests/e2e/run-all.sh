#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every end-to-end script in tests/e2e (each *.sh but lib.sh and this
# one) on this machine's Podman, then again under the nested Podman 5.x
# (podman5/run.sh) each script that opts in with a line "# e2e: podman5".
# Needs root and a build tree (meson setup build && ninja -C build).
#
#   tests/e2e/run-all.sh [SCRIPT...]     default: all of them
#
# Environment: E2E_BUILD_DIR (default <repo>/build), E2E_PODMAN5=0 skips the
# nested runs, E2E_CACHE_DIR (where the trixie rootfs is cached).
# Ends with "N passed, N failed, N skipped" over all the scripts' checks (a
# skipped script counts as one skipped) and exits 1 when anything failed.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ $# -gt 0 ]; then
    scripts=("$@")
else
    scripts=()
    for s in "$here"/*.sh; do
        case ${s##*/} in lib.sh | run-all.sh) continue ;; esac
        scripts+=("$s")
    done
fi

passed=0 failed=0 skipped=0
results=()
run_one() {  # LABEL COMMAND...
    local label=$1 log status t0 summary p f s
    shift
    log=$(mktemp)
    t0=$(date +%s)
    echo "# === $label"
    "$@" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
    rm -f "$log"
    if [ "$status" = 77 ]; then
        skipped=$((skipped + 1))
        results+=("skip  $label ($(($(date +%s) - t0)) s)")
        return
    fi
    if [ -n "$summary" ]; then
        read -r p _ f _ s _ <<<"${summary//,/}"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
    fi
    if [ "$status" != 0 ] && { [ -z "$summary" ] || [ "$f" = 0 ]; }; then
        failed=$((failed + 1))  # died without reporting its failure
    fi
    results+=("$([ "$status" = 0 ] && echo "pass " || echo "FAIL ") $label ($(($(date +%s) - t0)) s)")
}

for s in "${scripts[@]}"; do
    run_one "$(basename "$s") on $(podman --version 2>/dev/null || echo "no podman")" bash "$s"
done
if [ "${E2E_PODMAN5:-1}" != 0 ]; then
    for s in "${scripts[@]}"; do
        grep -qx '# e2e: podman5' "$s" || continue
        run_one "$(basename "$s") on Podman 5 (nested trixie)" bash "$here/podman5/run.sh" "$s"
    done
fi

echo "# === summary"
printf '# %s\n' "${results[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
