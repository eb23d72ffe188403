#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Checks the test guest's marker contract (README.md) by booting its disk
# with run-qemu.sh, three times on one data disk; prints TAP and the
# measured times. Exits 77 when the guest cannot be built or QEMU is missing.
#
#   boot 1: SeaBIOS, user-data ISO, DHCP, httpd through hostfwd, BOOTCOUNT 1,
#           FIRMWARE bios, no EFI variable, no TPM, "status", "write", then
#           QEMU's system_powerdown (ACPI)
#   boot 2: OVMF (fresh EFI variables), no ISO, BOOTCOUNT 2, the token of
#           boot 1, FIRMWARE efi, EFIBOOTS 1, a new TPM (swtpm, when
#           installed), "write", then SIGKILL
#   boot 3: OVMF (boot 2's EFI variables), no network, BOOTCOUNT 3, boot 1's
#           token (boot 2's unsynced write is lost), EFIBOOTS 2, boot 2's TPM
#           state: one TPM reset more, then the console's "poweroff"
#
# Environment: E2E_CACHE_DIR (build.sh), KVPOD_QEMU_ACCEL (run-qemu.sh),
# GUEST_BOOT_TIMEOUT (seconds to KVPOD-READY, default 120).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
run=$here/run-qemu.sh
timeout=${GUEST_BOOT_TIMEOUT:-120}

disk=$("$here/build.sh" --disk)
status=$?
[ "$status" = 0 ] || { echo "1..0 # SKIP the guest cannot be built"; exit "$status"; }
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP qemu-system-x86_64 is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 77; }
command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvpod-guest-check.XXXXXX")
qemu_pid=
cleanup() {
    [ -z "$qemu_pid" ] || kill -9 "$qemu_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1)) failed=$((failed + 1))
    echo "not ok $n - $1"
    shift
    local l
    for l in "$@"; do echo "# $l"; done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%02d s' $(($1 / 1000)) $(($1 % 1000 / 10)); }

iso=
for tool in genisoimage mkisofs xorrisofs; do
    command -v "$tool" >/dev/null || continue
    mkdir -p "$tmp/cidata"
    printf '#cloud-config\nhostname: kvpod-check\nruncmd:\n  - [echo, kvpod user data line 4]\n' >"$tmp/cidata/user-data"
    printf 'instance-id: kvpod-check-1\nlocal-hostname: kvpod-check\n' >"$tmp/cidata/meta-data"
    "$tool" -quiet -o "$tmp/cidata.iso" -V cidata -J -r "$tmp/cidata/user-data" "$tmp/cidata/meta-data" && iso=$tmp/cidata.iso
    break
done
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$tmp/data.img
log=

# boot NAME [run-qemu.sh options]: starts QEMU, waits for KVPOD-READY.
boot() {
    local name=$1 t0 i
    shift
    log=$tmp/$name.log
    : >"$log"
    rm -f "$tmp/qemu.pid"
    t0=$(now_ms)
    "$run" --serial "$tmp/serial.sock" --serial-log "$log" --qmp "$tmp/qmp.sock" --pidfile "$tmp/qemu.pid" \
        "$@" "$disk" "$data" >"$tmp/$name.qemu.out" 2>&1 &
    qemu_pid=$!
    for ((i = 0; i < timeout * 10; i++)); do
        grep -q '^KVPOD-READY' "$log" && break
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.1
    done
    ready_ms=$(($(now_ms) - t0))
    if grep -q '^KVPOD-READY' "$log"; then
        ok "$name: KVPOD-READY after $(secs "$ready_ms")"
    else
        not_ok "$name: KVPOD-READY within $timeout s" "serial log:" "$(tr -d '\r' <"$log")" "$(cat "$tmp/$name.qemu.out")"
    fi
}

has() { # has LINE DESC: the serial log has LINE (a whole line)
    if tr -d '\r' <"$log" | grep -qxF -- "$1"; then ok "$2"; else not_ok "$2" "missing line: $1" "$(tr -d '\r' <"$log")"; fi
}

wait_line() { # wait_line LINE [SECONDS]
    local i
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        tr -d '\r' <"$log" | grep -qxF -- "$1" && return 0
        sleep 0.1
    done
    return 1
}

# wait_exit SECONDS: waits for QEMU to end; sets exit_status and stop_ms.
wait_exit() {
    local t0 i
    t0=$(now_ms)
    for ((i = 0; i < $1 * 10; i++)); do
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_ms=$(($(now_ms) - t0))
    if kill -0 "$qemu_pid" 2>/dev/null; then
        kill -9 "$qemu_pid"
        wait "$qemu_pid" 2>/dev/null
        exit_status=timeout
    else
        wait "$qemu_pid"
        exit_status=$?
    fi
    qemu_pid=
}

# --- boot 1 ---------------------------------------------------------------------
boot boot1 --http-port "$port" ${iso:+--cidata "$iso"}
ready1=$ready_ms
kernel=$(tr -d '\r' <"$log" | sed -n 's/^KVPOD-GUEST-BOOTED kernel=//p')
if [ -n "$kernel" ]; then ok "boot1: KVPOD-GUEST-BOOTED kernel=$kernel"; else not_ok "boot1: KVPOD-GUEST-BOOTED"; fi
if [ -n "$iso" ]; then
    block=$(tr -d '\r' <"$log" | sed -n '/^KVPOD-USERDATA-BEGIN$/,/^KVPOD-USERDATA-END$/p')
    if [ "$block" = "KVPOD-USERDATA-BEGIN
$(cat "$tmp/cidata/user-data")
KVPOD-USERDATA-END" ]; then ok "boot1: the user-data between KVPOD-USERDATA-BEGIN and -END"; else
        not_ok "boot1: the user-data between KVPOD-USERDATA-BEGIN and -END" "$block"
    fi
    block=$(tr -d '\r' <"$log" | sed -n '/^KVPOD-METADATA-BEGIN$/,/^KVPOD-METADATA-END$/p')
    if [ "$block" = "KVPOD-METADATA-BEGIN
$(cat "$tmp/cidata/meta-data")
KVPOD-METADATA-END" ]; then ok "boot1: the meta-data between KVPOD-METADATA-BEGIN and -END"; else
        not_ok "boot1: the meta-data between KVPOD-METADATA-BEGIN and -END" "$block"
    fi
else
    echo "ok $((n += 1)) - boot1: user-data # SKIP no genisoimage, mkisofs or xorrisofs"
    echo "ok $((n += 1)) - boot1: meta-data # SKIP no genisoimage, mkisofs or xorrisofs"
fi
has "KVPOD-NET addr=10.0.2.15/24 gw=10.0.2.2" "boot1: QEMU's DHCP address and gateway"
has "KVPOD-BOOTCOUNT 1" "boot1: the first boot counts 1"
has "KVPOD-TOKEN none" "boot1: a blank data disk has no token"
has "KVPOD-FIRMWARE bios" "boot1: SeaBIOS: KVPOD-FIRMWARE bios"
has "KVPOD-EFIBOOTS none" "boot1: SeaBIOS: no EFI variables"
has "KVPOD-TPM none" "boot1: no TPM: KVPOD-TPM none"
page=$(curl -s -m 10 "http://127.0.0.1:$port/")
if grep -qF "KVPOD-HTTP-OK boots=1" <<<"$page"; then ok "boot1: httpd answers through hostfwd"; else not_ok "boot1: httpd answers through hostfwd" "$page"; fi
"$run" --send "$tmp/serial.sock" status
sleep 1
readies=$(tr -d '\r' <"$log" | grep -cx KVPOD-READY)
if [ "$readies" = 2 ] && [ "$(tr -d '\r' <"$log" | grep -cx "KVPOD-BOOTCOUNT 1")" = 2 ]; then
    ok "boot1: status prints the lines again"
else
    not_ok "boot1: status prints the lines again" "$(tr -d '\r' <"$log")"
fi
"$run" --send "$tmp/serial.sock" "write tok-one"
if wait_line "KVPOD-WROTE tok-one"; then ok "boot1: write prints KVPOD-WROTE"; else not_ok "boot1: write prints KVPOD-WROTE"; fi
"$run" --qmp-send "$tmp/qmp.sock" system_powerdown
wait_exit 30
if [ "$exit_status" = 0 ] && tr -d '\r' <"$log" | grep -qx "KVPOD-POWEROFF synced"; then
    ok "boot1: system_powerdown: KVPOD-POWEROFF synced, QEMU ended in $(secs "$stop_ms")"
else
    not_ok "boot1: system_powerdown powers off" "QEMU: $exit_status" "$(tr -d '\r' <"$log" | tail -n 5)"
fi
stop1=$stop_ms

# --- boot 2 ---------------------------------------------------------------------
tpm=()
! command -v swtpm >/dev/null || tpm=(--tpm "$tmp/tpm")
boot boot2 --efi "$tmp/efivars.fd" "${tpm[@]}"
ready2=$ready_ms
has "KVPOD-USERDATA none" "boot2: no user-data volume"
has "KVPOD-BOOTCOUNT 2" "boot2: the counter survived: 2"
has "KVPOD-TOKEN tok-one" "boot2: the token written before the ACPI power-off survived"
has "KVPOD-FIRMWARE efi" "boot2: OVMF boots the same disk: KVPOD-FIRMWARE efi"
has "KVPOD-EFIBOOTS 1" "boot2: fresh EFI variables: KVPOD-EFIBOOTS 1"
resets2=$(tr -d '\r' <"$log" | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) restarts=[0-9]*$/\1/p')
if [ -z "${tpm[*]}" ]; then
    echo "ok $((n += 1)) - boot2: TPM # SKIP no swtpm"
elif [ -n "$resets2" ]; then ok "boot2: the TPM answers TPM2_ReadClock: resets=$resets2"; else
    not_ok "boot2: the TPM answers TPM2_ReadClock" "$(tr -d '\r' <"$log" | grep KVPOD-TPM)"
fi
"$run" --send "$tmp/serial.sock" "write tok-two"
if wait_line "KVPOD-WROTE tok-two"; then ok "boot2: write prints KVPOD-WROTE"; else not_ok "boot2: write prints KVPOD-WROTE"; fi
sleep 2
kill -9 "$qemu_pid"
wait "$qemu_pid" 2>/dev/null
qemu_pid=

# --- boot 3 ---------------------------------------------------------------------
boot boot3 --no-net --efi "$tmp/efivars.fd" "${tpm[@]}"
ready3=$ready_ms
has "KVPOD-NET none" "boot3: no network card: KVPOD-NET none"
has "KVPOD-BOOTCOUNT 3" "boot3: the counter: 3"
has "KVPOD-TOKEN tok-one" "boot3: the unsynced write before SIGKILL is lost"
has "KVPOD-EFIBOOTS 2" "boot3: the EFI variable written at boot 2 survived in the VARS file: 2"
if [ -z "${tpm[*]}" ]; then
    echo "ok $((n += 1)) - boot3: TPM state # SKIP no swtpm"
elif [ -n "$resets2" ]; then
    resets3=$(tr -d '\r' <"$log" | sed -n 's/^KVPOD-TPM resets=\([0-9]*\) restarts=[0-9]*$/\1/p')
    if [ "$resets3" = $((resets2 + 1)) ]; then ok "boot3: the TPM kept its state: resets=$resets3, one more than boot 2"; else
        not_ok "boot3: the TPM kept its state: resets=$((resets2 + 1))" "$(tr -d '\r' <"$log" | grep KVPOD-TPM)"
    fi
else
    not_ok "boot3: the TPM kept its state" "no resetCount at boot 2"
fi
"$run" --send "$tmp/serial.sock" poweroff
wait_exit 30
if [ "$exit_status" = 0 ] && tr -d '\r' <"$log" | grep -qx "KVPOD-POWEROFF synced"; then
    ok "boot3: the console's poweroff: QEMU ended in $(secs "$stop_ms")"
else
    not_ok "boot3: the console's poweroff" "QEMU: $exit_status" "$(tr -d '\r' <"$log" | tail -n 5)"
fi

echo "# accel $("$run" --accel-probe), disk $disk"
echo "# start to KVPOD-READY: $(secs "$ready1") (SeaBIOS, ISO, DHCP), $(secs "$ready2") (OVMF, DHCP), $(secs "$ready3") (OVMF, no net);" \
    "system_powerdown to exit $(secs "$stop1")"
echo "1..$n"
[ "$failed" = 0 ]
