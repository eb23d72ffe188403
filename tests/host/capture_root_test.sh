#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# contrib/capture-host-root.sh, run on every fake root of tests/fixtures/roots
# as if it were the host (--from), must give back that root: the same sysfs and
# procfs files and links, the same device nodes, and pci.ids cut to the
# root's vendors. The h100-real root was captured on a real host with it.
# Needs root (mknod); exits 77 (skip) otherwise.
set -euo pipefail
tests=${TEST_DATA_DIR:?run through meson test}
repo=$(cd "$tests/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "skipped: making device nodes needs root"; exit 77; }
tmp=$(mktemp -d /tmp/capture-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0 checked=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

listing() { (cd "$1" && find sys proc -printf '%p %y %l\n' 2>/dev/null | sort); }
nodes() { grep -v '^#' "$1/dev.list" | sort; }

for dir in "$tests"/fixtures/roots/*/; do
  name=$(basename "$dir")
  sh "$tests/fixtures/roots/instantiate.sh" "$name" "$tmp/$name.host"
  bash "$repo/contrib/capture-host-root.sh" --from "$tmp/$name.host" "$tmp/$name.captured" >/dev/null
  checked=$((checked + 1))
  diff <(listing "$tmp/$name.host") <(listing "$tmp/$name.captured") >/dev/null ||
    fail "$name: the captured tree differs: $(diff <(listing "$tmp/$name.host") <(listing "$tmp/$name.captured") | head -3 | tr '\n' ' ')"
  while read -r f; do
    cmp -s "$tmp/$name.host/$f" "$tmp/$name.captured/$f" || fail "$name: $f differs"
  done < <(cd "$tmp/$name.host" && find sys proc -type f)
  diff <(nodes "$tmp/$name.host") <(nodes "$tmp/$name.captured") >/dev/null || fail "$name: dev.list differs"
  ids=usr/share/misc/pci.ids
  if [ -f "$tmp/$name.host/$ids" ]; then
    diff <(grep -v '^$' "$tmp/$name.host/$ids") <(grep -v '^$' "$tmp/$name.captured/$ids") >/dev/null ||
      fail "$name: pci.ids excerpt differs"
  elif [ -e "$tmp/$name.captured/$ids" ]; then
    fail "$name: a pci.ids the host does not have"
  fi
done

# A destination with something in it is never written into.
mkdir -p "$tmp/full" && touch "$tmp/full/keep"
if err=$(bash "$repo/contrib/capture-host-root.sh" --from "$tmp/h100-real.host" "$tmp/full" 2>&1); then
  fail "captured into a non-empty directory"
elif [ "$err" != "capture-host-root.sh: $tmp/full is not empty" ]; then
  fail "unexpected error: $err"
fi
[ "$(ls "$tmp/full")" = keep ] || fail "the non-empty destination was changed"

echo "$checked roots captured, $failed failures"
[ "$failed" = 0 ] && [ "$checked" -ge 11 ]
