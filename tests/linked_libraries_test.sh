#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Both programs start at every container start or script step: each shared
# library they need is one more to map, relocate and fault in. With
# static_deps they need glibc alone; this fails when a dependency slips back
# (libm came with libstdc++'s floating to_chars once, for fegetround only).
# Usage: linked_libraries_test.sh BINARY...
set -euo pipefail

status=0
for binary in "$@"; do
  needed=$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || { echo "not ok: $binary: no NEEDED entries read (readelf output changed?)"; status=1; continue; }
  extra=0
  for lib in $needed; do
    case $lib in
      libc.so.6 | ld-linux*.so.* | ld64.so.* | ld.so.*) ;;  # glibc and its loader, on any architecture
      *) echo "not ok: $(basename "$binary") needs $lib (only glibc is expected with static_deps)"; extra=1 ;;
    esac
  done
  if [ $extra -eq 0 ]; then echo "ok: $(basename "$binary") needs" $needed; else status=1; fi
done
exit $status
