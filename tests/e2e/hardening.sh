#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The container's author controls its env and working directory. NVIDIA's
# toolkit hook once ran with a container's LD_PRELOAD (CVE-2025-23266); ours
# must not care. A shared object that leaves a marker when loaded, programs
# on a hostile PATH that leave a marker when run, and a hook config in the
# working directory that would let a VM start without /dev/kvm: none of them
# may have any effect. Positive controls show each trap would fire.
set -u -o pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_init hardening
e2e_require cc
img=$(e2e_image) || { e2e_not_ok "build the busybox image"; e2e_finish; }

traps=$E2E_TMP/traps
mkdir -p "$traps/bin" "$traps/cwd"
marker=$E2E_TMP/fired
# The shared object: its constructor appends to the marker file.
cat >"$traps/evil.c" <<EOF
#include <stdio.h>
__attribute__((constructor)) static void fire(void) {
    FILE *f = fopen("$marker", "a");
    if (f) { fputs("preload\n", f); fclose(f); }
}
EOF
cc -shared -fPIC -o "$traps/evil.so" "$traps/evil.c" || { e2e_not_ok "build the trap library"; e2e_finish; }
for tool in sh bash modprobe udevadm logger ls cat mknod nvidia-smi nvidia-modprobe lspci; do
    printf '#!/bin/sh\necho "PATH %s" >>%s\n' "$tool" "$marker" >"$traps/bin/$tool"
    chmod +x "$traps/bin/$tool"
done
# A config that would allow emulation, where a hook reading relative paths would find it.
mkdir -p "$traps/cwd/etc/kubevirt-vm-to-pod"
printf 'allowEmulation: true\n' | tee "$traps/cwd/hook.yaml" >"$traps/cwd/etc/kubevirt-vm-to-pod/hook.yaml"

# Positive controls: the traps work when something does run with them.
rm -f "$marker"
LD_PRELOAD=$traps/evil.so /bin/true
e2e_contains "$(cat "$marker" 2>/dev/null)" "preload" "control: the trap library fires in a process that gets LD_PRELOAD"
rm -f "$marker"
PATH=$traps/bin modprobe x 2>/dev/null
e2e_contains "$(cat "$marker" 2>/dev/null)" "PATH modprobe" "control: the PATH trap fires when a tool is looked up there"

vmi='{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"hard"},"spec":{"domain":{"devices":{}}}}'
full=$E2E_TMP/root-full
e2e_mknod "$full" /dev/kvm c 10 99 0666
e2e_mknod "$full" /dev/net/tun c 10 98 0666
e2e_mknod "$full" /dev/vhost-net c 10 97 0666
nokvm=$E2E_TMP/root-nokvm
e2e_mknod "$nokvm" /dev/net/tun c 10 98 0666
printf '{}\n' >"$E2E_TMP/hook.yaml"

devices_in() {  # CONTAINER: the devices the runtime was given, one per line
    e2e_oci_config "$1" | jq -r '.linux.devices // [] | .[] | "\(.path) \(.major):\(.minor) \(.uid)"' | sort
}

# The same container, plainly and with every trap set in its env and cwd.
e2e_write_hook kubevirt "$full" "$E2E_TMP/hook.yaml"
rm -f "$marker"
plain=$E2E_PREFIX-plain
tricked=$E2E_PREFIX-tricked
podman create --name "$plain" --network none --annotation "$E2E_ANNOTATION=hard" \
    --env "STANDALONE_VMI=$vmi" "$img" true >/dev/null
podman create --name "$tricked" --network none --annotation "$E2E_ANNOTATION=hard" \
    --env "STANDALONE_VMI=$vmi" --env "LD_PRELOAD=$traps/evil.so" --env "LD_LIBRARY_PATH=$traps" \
    --env "PATH=$traps/bin:/bin" -w /tmp "$img" true >/dev/null
if (cd "$traps/cwd" && podman start --attach "$plain" >/dev/null 2>&1 && podman start --attach "$tricked" >/dev/null 2>&1); then
    e2e_ok "both containers start"
    want="/dev/kvm 10:99 107
/dev/net/tun 10:98 107
/dev/vhost-net 10:97 107"
    e2e_is "$(devices_in "$plain")" "$want" "the plain container gets the three devices"
    e2e_is "$(devices_in "$tricked")" "$want" "the container with LD_PRELOAD, PATH and cwd traps gets the same devices"
else
    e2e_not_ok "both containers start"
fi
e2e_is "$(cat "$marker" 2>/dev/null)" "" "no trap fired: the hook loaded nothing and ran nothing from the container's env"

# A hook config in Podman's working directory must not be read: without
# /dev/kvm the start is still refused.
e2e_write_hook kubevirt "$nokvm" "$E2E_TMP/hook.yaml"
if out=$(cd "$traps/cwd" && podman run --rm --network none --annotation "$E2E_ANNOTATION=hard" \
    --env "STANDALONE_VMI=$vmi" "$img" true 2>&1); then
    e2e_not_ok "a config in the working directory is ignored (no /dev/kvm: refused)" "$out"
else
    e2e_contains "$out" "exit status 1" "a config in the working directory is ignored (no /dev/kvm: refused)"
fi

e2e_finish
