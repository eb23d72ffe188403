#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs every test of kubevirt-vm-to-pod:
# unit and host tests (also under AddressSanitizer + UndefinedBehaviorSanitizer),
# end-to-end tests with real Podman 4.3 and a nested Podman 5.4, and a short
# fuzzing run. Run as root from the repository's root. Prints one summary line
# "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
step() {  # step NAME COMMAND...
  local name=$1
  shift
  echo "=== $name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok ($((SECONDS - start))s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "=== $name: FAILED ($((SECONDS - start))s)"
  fi
}

jobs=$(nproc)
# ccache (installed by setup-debian.sh) keys on the build directory only
# through debug info: ignoring it lets a fresh clone elsewhere reuse the
# objects an earlier run compiled (CI clones anew each time).
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true

build() {  # build DIR MESON-OPTIONS...
  local dir=$1
  shift
  { [ -d "$dir" ] || meson setup "$dir" "$@" >/dev/null; } && ninja -C "$dir" -j "$jobs" >/dev/null
}

step "install build and test dependencies" contrib/setup-debian.sh
# What the end-to-end tests build from Debian's mirror and ../shared/upstream
# (the trixie rootfs of the nested Podman 5, the systemd rootfs of
# vm_systemd.sh, KubeVirt's virt-launcher image, the test guest, CDI's
# importer image) is fetched and built in the background, niced, while the
# C++ builds run: on a new machine it is mostly downloads and debootstrap.
# Each script caches its result by its inputs, so a later run finds them.
prefetch_log=$(mktemp /tmp/kvpod-prefetch.XXXXXX)
prefetch() {
  local s
  tests/e2e/podman5/rootfs.sh >/dev/null || echo "prefetch: the trixie rootfs failed (the nested runs will retry)"
  for suite in trixie bookworm; do
    tests/e2e/systemd/rootfs.sh "$suite" >/dev/null || echo "prefetch: the $suite systemd rootfs failed (vm_systemd.sh will retry)"
  done
  tests/e2e/launcher/build.sh >/dev/null
  s=$?
  [ "$s" = 0 ] || [ "$s" = 77 ] || { echo "prefetch: launcher/build.sh failed ($s)"; return 1; }
  tests/e2e/guest/build.sh >/dev/null || { echo "prefetch: guest/build.sh failed"; return 1; }
  tests/e2e/cdi/build.sh >/dev/null
  s=$?
  [ "$s" = 0 ] || [ "$s" = 77 ] || { echo "prefetch: cdi/build.sh failed ($s)"; return 1; }
}
nice -n 10 bash -c "$(declare -f prefetch); prefetch" >"$prefetch_log" 2>&1 &
prefetch_pid=$!
step "build (debugoptimized)" build build
step "unit and host tests" meson test -C build --print-errorlogs --suite unit --suite host
step "build (ASan + UBSan)" build build-sanitize -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
# An unoptimised sanitized build runs 10-15x slower (the converter's CLI suite,
# which starts the program ~50 times, takes 13 s there alone): 4x the timeouts.
step "unit and host tests under ASan + UBSan" env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-sanitize --print-errorlogs --suite unit --suite host --timeout-multiplier 4
# KubeVirt's virt-launcher built from ../shared/upstream and the test guest,
# cached by their inputs (tests/e2e/launcher, tests/e2e/guest): a step of its
# own so that its time shows; vm_boot.sh skips where the source is absent.
launcher_and_guest() {
  local s=0
  wait "$prefetch_pid" || s=$?
  cat "$prefetch_log"
  rm -f "$prefetch_log"
  return "$s"
}
step "build KubeVirt's virt-launcher image and the test guest (begun in the background)" launcher_and_guest
if [ -x tests/e2e/run-all.sh ]; then
  step "end-to-end tests with real Podman 4.3 and a nested Podman 5.4" env E2E_BUILD_DIR="$PWD/build" tests/e2e/run-all.sh
fi
if [ -x tests/fuzz/run-smoke.sh ]; then
  # 30 s per harness keeps the whole run under an hour on 2 cores (the VM tests take ~40 minutes);
  # FUZZ_SECONDS=60 or more for a longer run.
  step "fuzzing smoke run" env FUZZ_SECONDS="${FUZZ_SECONDS:-30}" tests/fuzz/run-smoke.sh
fi

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
