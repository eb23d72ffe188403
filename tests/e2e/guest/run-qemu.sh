#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Boots the test guest's disk (build.sh --disk) with qemu-system-x86_64
# directly: KVM when it works here, else TCG; virtio disks; user-mode
# networking; the serial console on stdio or a unix socket; QMP on a socket.
#
#   run-qemu.sh [OPTIONS] DISK [DATA-DISK]
#     DISK is never written (snapshot=on). DATA-DISK (raw; made, 1 MiB, when
#     missing) gets serial "kvpoddata": the guest's boot counter and token.
#     --serial stdio|PATH   serial console on stdio (default) or on a unix
#                           socket server at PATH (QEMU does not wait for a
#                           client; what nobody read is only in the log)
#     --serial-log FILE     also write everything the guest prints to FILE
#     --qmp PATH            QMP on a unix socket server at PATH
#     --http-port PORT      forward 127.0.0.1:PORT to the guest's port 80
#     --cidata ISO          attach ISO (a NoCloud volume) as a read-only disk
#     --no-net              no network card
#     --memory MIB          guest memory (default 256)
#     --accel auto|kvm|tcg  default $KVPOD_QEMU_ACCEL, else auto: KVM when
#                           /dev/kvm is usable and a short SeaBIOS probe
#                           under KVM gets to the boot menu, else TCG
#     --pidfile FILE        QEMU's pid file
#     --efi VARS            boot with OVMF (the host's $OVMF_CODE, default
#                           /usr/share/OVMF/OVMF_CODE_4M.fd) instead of
#                           SeaBIOS, the EFI variables in VARS (made from
#                           OVMF_VARS_4M.fd when missing, kept after)
#     --tpm DIR             a TPM 2.0 (tpm-tis): swtpm with its state in DIR
#                           (made when missing, kept after)
#   Extra QEMU arguments: $KVPOD_QEMU_ARGS (split at spaces).
#
#   run-qemu.sh --send PATH LINE       types LINE (and Enter) on the serial
#                                      socket at PATH
#   run-qemu.sh --qmp-send PATH CMD    runs the QMP command CMD (no
#                                      arguments: system_powerdown, quit, ...)
#   run-qemu.sh --accel-probe          prints kvm or tcg (what auto picks)
# These helpers use python3. QEMU's exit status is this script's: 0 after
# the guest powers off (or reboots: -no-reboot).
set -euo pipefail

usage() {
    sed -n '/^#   run-qemu.sh \[/,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
    exit 2
}

python=$(command -v python3 || true)

socket_send() { # socket_send PATH LINE
    [ -n "$python" ] || { echo "run-qemu.sh: --send needs python3" >&2; exit 77; }
    "$python" - "$1" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\r")
# QEMU drops what it has not yet fed the UART when the client goes away.
time.sleep(1)
s.close()
EOF
}

qmp_send() { # qmp_send PATH COMMAND
    [ -n "$python" ] || { echo "run-qemu.sh: --qmp-send needs python3" >&2; exit 77; }
    "$python" - "$1" "$2" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
def reply():
    while True:
        msg = json.loads(f.readline())
        if "event" not in msg:
            return msg
reply()  # the greeting
for cmd in ("qmp_capabilities", sys.argv[2]):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    r = reply()
    if "error" in r:
        sys.exit("qmp %s: %s" % (cmd, r["error"].get("desc")))
EOF
}

qemu=$(command -v qemu-system-x86_64 || true)

# kvm when /dev/kvm opens and SeaBIOS under KVM prints its boot banner
# within a few seconds (nested KVM can fail inside the firmware).
accel_probe() {
    [ -n "$qemu" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
    local log
    log=$(mktemp)
    timeout 10 "$qemu" -accel kvm -cpu host -nodefaults -display none -no-reboot -m 64 \
        -chardev file,id=dbg,path="$log" -device isa-debugcon,iobase=0x402,chardev=dbg \
        >/dev/null 2>&1 &
    local pid=$! i
    for ((i = 0; i < 50; i++)); do
        grep -qE 'Booting from|No bootable device|boot order' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -qE 'Booting from|No bootable device|boot order' "$log" 2>/dev/null; then echo kvm; else echo tcg; fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
}

serial=stdio serial_log='' qmp='' http_port='' cidata='' net=1 memory=256 pidfile='' efi_vars='' tpm_dir=''
accel=${KVPOD_QEMU_ACCEL:-auto}
while [ $# -gt 0 ]; do
    case $1 in
    --send) [ $# = 3 ] || usage; socket_send "$2" "$3"; exit ;;
    --qmp-send) [ $# = 3 ] || usage; qmp_send "$2" "$3"; exit ;;
    --accel-probe) accel_probe; exit 0 ;;
    --serial) serial=$2; shift 2 ;;
    --serial-log) serial_log=$2; shift 2 ;;
    --qmp) qmp=$2; shift 2 ;;
    --http-port) http_port=$2; shift 2 ;;
    --cidata) cidata=$2; shift 2 ;;
    --no-net) net=0; shift ;;
    --memory) memory=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --pidfile) pidfile=$2; shift 2 ;;
    --efi) efi_vars=$2; shift 2 ;;
    --tpm) tpm_dir=$2; shift 2 ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] && [ $# -le 2 ] || usage
disk=$1 data=${2:-}
[ -n "$qemu" ] || { echo "run-qemu.sh: qemu-system-x86_64 is not installed" >&2; exit 77; }
[ -r "$disk" ] || { echo "run-qemu.sh: no disk $disk" >&2; exit 2; }
case $accel in
auto) accel=$(accel_probe) ;;
kvm | tcg) ;;
*) usage ;;
esac

args=(-name kvpod-test-guest -accel "$accel" -m "$memory" -smp 1 -no-reboot
    -nodefaults -display none -vga std)
[ "$accel" = kvm ] && args+=(-cpu host)
if [ -n "$efi_vars" ]; then
    code=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
    [ -r "$code" ] || { echo "run-qemu.sh: no OVMF firmware $code (Debian: ovmf)" >&2; exit 77; }
    [ -e "$efi_vars" ] || cp "${code%/*}/OVMF_VARS_4M.fd" "$efi_vars"
    # shellcheck disable=SC2054
    args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
        -drive "if=pflash,format=raw,unit=1,file=$efi_vars")
fi
log_opt=${serial_log:+,logfile=$serial_log,logappend=on}
if [ "$serial" = stdio ]; then
    args+=(-chardev "stdio,id=ser0,signal=off$log_opt")
else
    rm -f "$serial"
    args+=(-chardev "socket,id=ser0,path=$serial,server=on,wait=off$log_opt")
fi
args+=(-serial chardev:ser0)
if [ -n "$qmp" ]; then
    rm -f "$qmp"
    args+=(-qmp "unix:$qmp,server=on,wait=off")
fi
# shellcheck disable=SC2054  # commas inside QEMU's option values
args+=(-drive "file=$disk,format=raw,if=none,id=boot,snapshot=on"
    -device virtio-blk-pci,drive=boot,bootindex=1)
if [ -n "$data" ]; then
    [ -e "$data" ] || truncate -s 1M "$data"
    # shellcheck disable=SC2054
    args+=(-drive "file=$data,format=raw,if=none,id=data,cache=writeback"
        -device virtio-blk-pci,drive=data,serial=kvpoddata)
fi
if [ -n "$cidata" ]; then
    # shellcheck disable=SC2054
    args+=(-drive "file=$cidata,format=raw,if=none,id=cidata,readonly=on"
        -device virtio-blk-pci,drive=cidata)
fi
if [ "$net" = 1 ]; then
    # shellcheck disable=SC2054
    args+=(-netdev "user,id=net0${http_port:+,hostfwd=tcp:127.0.0.1:$http_port-:80}"
        -device virtio-net-pci,netdev=net0)
else
    args+=(-net none)
fi
if [ -n "$tpm_dir" ]; then
    command -v swtpm >/dev/null || { echo "run-qemu.sh: --tpm needs swtpm (Debian: swtpm)" >&2; exit 77; }
    mkdir -p "$tpm_dir"
    rm -f "$tpm_dir/ctrl.sock"
    # --terminate: swtpm ends when QEMU closes the control socket.
    swtpm socket --tpm2 --tpmstate "dir=$tpm_dir" --ctrl "type=unixio,path=$tpm_dir/ctrl.sock" \
        --terminate --daemon --log "file=$tpm_dir/swtpm.log"
    for ((i = 0; i < 50; i++)); do [ -S "$tpm_dir/ctrl.sock" ] && break; sleep 0.1; done
    # shellcheck disable=SC2054
    args+=(-chardev "socket,id=chrtpm,path=$tpm_dir/ctrl.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm
        -device tpm-tis,tpmdev=tpm0)
fi
[ -z "$pidfile" ] || args+=(-pidfile "$pidfile")
# shellcheck disable=SC2206  # a list of words
extra=(${KVPOD_QEMU_ARGS:-})
exec "$qemu" "${args[@]}" "${extra[@]}"
