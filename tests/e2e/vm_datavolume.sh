#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: launcher
#
# DataVolumes filled by CDI's own importer (cdi/build.sh builds it from the
# upstream source) in the converter's Pods, with KubeVirt's real virt-launcher
# and the test guest. One VM, booted twice, with five DataVolumes:
#   root  http: the guest's disk as qcow2 from an HTTP server this script runs
#         (ranges, as real servers: CDI reads it through nbdkit and converts it
#         into the volume) at the Podman network's gateway; the boot disk;
#   data  blank: the guest's data disk (serial kvpoddata, it counts boots);
#   reg   registry, pullMethod node: the guest's containerDisk image from
#         Podman's own store (no registry exists here);
#   copy  pvc: a clone of a Podman volume the script fills;
#   slow  http: random bytes from the same server, which stalls in the middle
#         of this file at the first start, under the script's control.
# The first start is interrupted for real: the server says it stalled halfway
# through slow while its import runs, then the import container is killed.
# Part of slow was downloaded, the volume is marked and holds no whole disk;
# the VM never started. The next start
# (kube play --replace) imports only slow again, from the start, and boots;
# the one after imports nothing and the guest's data is there. Each
# import's log is read in its volume (kube play on Podman 4.3 removes init
# containers once the Pod runs) and, while one runs, in podman logs. A second
# VM whose http source answers 404 fails its import and keeps nothing.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

t_start=$(e2e_now_ms)
command -v qemu-img >/dev/null || e2e_skip_all "qemu-img is not installed"
command -v python3 >/dev/null || e2e_skip_all "python3 is not installed (the HTTP source)"
e2e_vm_init vmdv
e2e_vm_built guest_disk "test guest disk" guest/build.sh --disk
e2e_vm_built importer "CDI importer image" cdi/build.sh
e2e_diag "importer $importer ($(e2e_elapsed "$t_start") since the start)"

# --- the HTTP server ------------------------------------------------------------
# kube play puts Pods on podman-default-kube-network (made at its first play);
# its gateway is this host, where the server listens.
command podman network exists podman-default-kube-network ||
    command podman network create podman-default-kube-network >/dev/null 2>&1
gateway=$(command podman network inspect podman-default-kube-network --format '{{range .Subnets}}{{.Gateway}}{{end}}')
[ -n "$gateway" ] || e2e_skip_all "podman-default-kube-network has no gateway"
srv=$E2E_TMP/srv
mkdir -p "$srv"
qemu-img convert -f raw -O qcow2 "$guest_disk" "$srv/guest.qcow2" || e2e_skip_all "qemu-img convert failed"
head -c $((24 << 20)) /dev/urandom >"$srv/slow.img"
head -c $((4 << 20)) /dev/urandom >"$E2E_TMP/src.img"
cat >"$E2E_TMP/server.py" <<'EOP'
# Serves the files of ROOT with byte ranges, as real servers do, and logs each
# request to LOG. While ROOT/stall names a file, an answer that reaches into
# its second half sends what comes before the middle, then waits (logged
# "STALL") until stall is gone.
import http.server, os, sys, threading, time
root, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
def note(line):
    with lock, open(log, "a") as f:
        f.write(line + "\n")
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_HEAD(self): self.serve(False)
    def do_GET(self): self.serve(True)
    def serve(self, body):
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(root, name)
        ranged = self.headers.get("Range", "")
        if name == "stall" or not os.path.isfile(path):
            note(f"{self.command} /{name} 404")
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers()
            return
        size = os.path.getsize(path)
        start, end = 0, size - 1
        if ranged.startswith("bytes="):
            first, _, last = ranged[6:].partition("-")
            start, end = (int(first), min(int(last or size - 1), size - 1)) if first else (size - int(last), size - 1)
        note(f"{self.command} /{name} {ranged or 'whole'}")
        self.send_response(206 if ranged else 200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if ranged: self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if not body: return
        stall = os.path.join(root, "stall")
        stall_at = size // 2 if os.path.exists(stall) and open(stall).read().strip() == name else -1
        with open(path, "rb") as f:
            f.seek(start)
            at = start
            while at <= end:
                if stall_at >= 0 and at >= stall_at:
                    note(f"STALL /{name} at {at}")
                    while os.path.exists(stall): time.sleep(0.2)
                    stall_at = -1
                upto = end + 1 if stall_at < 0 else min(end + 1, stall_at)
                chunk = f.read(min(65536, upto - at))
                if not chunk: break
                self.wfile.write(chunk)
                at += len(chunk)
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, address): pass  # a client that went away
Server(("0.0.0.0", port), Handler).serve_forever()
EOP
port=$((20000 + RANDOM % 20000))
server_log=$E2E_TMP/server.log
: >"$server_log"
python3 "$E2E_TMP/server.py" "$srv" "$port" "$server_log" >"$E2E_TMP/server.err" 2>&1 &
server_pid=$!
e2e_on_cleanup "kill $server_pid"
base=http://$gateway:$port
e2e_diag "HTTP server $base"
gets() { grep -c "^GET /$1 " "$server_log"; }

# --- helpers ---------------------------------------------------------------------
convert() {  # convert VMFILE OUT
    e2e_vm_convert "$1" "$2" --importer-image "$importer"
}
state() { command podman inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
volume_dir() { command podman volume inspect --format '{{.Mountpoint}}' "$1"; }
import_log() { cat "$(volume_dir "$1")/.kubevirt-vm-to-pod-import.log" 2>&1; }
count() { grep -c -- "$2" <<<"$1"; }

# --- a failed import keeps nothing ------------------------------------------------
bad=$E2E_PREFIX-bad
e2e_vm_forget "$bad"
cat >"$E2E_TMP/bad.yaml" <<EOV
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: $bad}
spec:
  runStrategy: Always
  dataVolumeTemplates:
  - metadata: {name: $bad-root}
    spec:
      source: {http: {url: '$base/missing.qcow2'}}
      storage: {resources: {requests: {storage: 96Mi}}}
  template:
    spec:
      domain:
        devices:
          disks: [{name: root, disk: {bus: virtio}}]
        resources: {requests: {memory: 128Mi}}
      volumes: [{name: root, dataVolume: {name: $bad-root}}]
EOV
convert "$E2E_TMP/bad.yaml" "$E2E_TMP/bad.pod.yaml"
e2e_is "$?" 0 "the converter turns a VM with an http DataVolume into a Pod"
t=$(e2e_now_ms)
podman kube play "$E2E_TMP/bad.pod.yaml" >"$E2E_TMP/bad.play" 2>&1
e2e_check "kube play fails when the import fails (the source answers 404)" test "$?" -ne 0
e2e_diag "the failed import: $(e2e_elapsed "$t")"
e2e_check "the server was asked for the missing file" grep -q '^GET /missing.qcow2 404' "$server_log"
log=$(import_log "$bad-root")
e2e_contains "$log" "the import failed" "the volume's import log says the import failed"
e2e_contains "$log" "404" "and why (the importer's own words)"
dir=$(volume_dir "$bad-root")
e2e_check "no disk.img is left in the volume" test ! -e "$dir/disk.img"
e2e_check "nor a done or running marker" test ! -e "$dir/.kubevirt-vm-to-pod-import-done" -a \
    ! -e "$dir/.kubevirt-vm-to-pod-import-running"
e2e_check "the VM did not start" test "$(state "virt-launcher-$bad-compute")" != running
command podman pod rm -f -t 0 "virt-launcher-$bad" >/dev/null 2>&1

# --- the VM with five DataVolumes ---------------------------------------------------
vm=$E2E_PREFIX-dv
e2e_vm_forget "$vm"
src=$E2E_PREFIX-src
e2e_on_cleanup "command podman volume rm -f $src >/dev/null 2>&1"
command podman volume create "$src" >/dev/null && cp "$E2E_TMP/src.img" "$(volume_dir "$src")/disk.img"
cat >"$E2E_TMP/dv.yaml" <<EOV
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: $vm}
spec:
  runStrategy: Always
  dataVolumeTemplates:
  - metadata: {name: $vm-root}
    spec:
      source: {http: {url: '$base/guest.qcow2'}}
      storage: {resources: {requests: {storage: 96Mi}}}
  - metadata: {name: $vm-data}
    spec:
      source: {blank: {}}
      storage: {resources: {requests: {storage: 16Mi}}}
  - metadata: {name: $vm-reg}
    spec:
      source: {registry: {url: 'docker://$E2E_GUEST_IMAGE', pullMethod: node}}
      storage: {resources: {requests: {storage: 96Mi}}}
  - metadata: {name: $vm-copy}
    spec:
      source: {pvc: {name: $src}}
      storage: {resources: {requests: {storage: 8Mi}}}
  - metadata: {name: $vm-slow}
    spec:
      source: {http: {url: '$base/slow.img'}}
      storage: {resources: {requests: {storage: 32Mi}}}
  template:
    spec:
      terminationGracePeriodSeconds: 60
      domain:
        devices:
          disks:
          - {name: root, disk: {bus: virtio}, bootOrder: 1}
          - {name: data, disk: {bus: virtio}, serial: kvpoddata}
          - {name: reg, disk: {bus: virtio}}
          - {name: copy, disk: {bus: virtio}}
          - {name: slow, disk: {bus: virtio}}
          interfaces:
          - {name: default, masquerade: {}, ports: [{port: 80}]}
        resources: {requests: {memory: 192Mi}}
      networks: [{name: default, pod: {}}]
      volumes:
      - {name: root, dataVolume: {name: $vm-root}}
      - {name: data, dataVolume: {name: $vm-data}}
      - {name: reg, dataVolume: {name: $vm-reg}}
      - {name: copy, dataVolume: {name: $vm-copy}}
      - {name: slow, dataVolume: {name: $vm-slow}}
EOV
convert "$E2E_TMP/dv.yaml" "$E2E_TMP/dv.pod.yaml"
e2e_is "$?" 0 "the converter turns a VM with http, blank, registry and pvc DataVolumes into a Pod"
e2e_check "the printed setup commands run" e2e_vm_run_setup "$E2E_TMP/dv.pod.yaml.err"

# --- 1: the first start, interrupted halfway through slow's import -----------------
echo slow.img >"$srv/stall"
t=$(e2e_now_ms)
podman kube play "$E2E_TMP/dv.pod.yaml" >"$E2E_TMP/dv.play1" 2>&1 &
play_pid=$!
stalled=""
for ((i = 0; i < 600; i++)); do
    grep -q '^STALL /slow.img' "$server_log" && stalled=1 && break
    kill -0 "$play_pid" 2>/dev/null || break
    sleep 0.5
done
e2e_check "slow's import is halfway when the server stalls it (four imports before it took $(e2e_elapsed "$t"))" \
    test -n "$stalled"
sdir=$(volume_dir "$vm-slow")
e2e_contains "$(command podman logs "virt-launcher-$vm-import-slow" 2>&1)" "importing from $base/slow.img" \
    "podman logs follows the import while it runs"
e2e_check "the import is running, marked as such in the volume" test -e "$sdir/.kubevirt-vm-to-pod-import-running"
command podman kill "virt-launcher-$vm-import-slow" >/dev/null 2>&1
wait "$play_pid"
e2e_check "kube play fails: an init container was killed" test "$?" -ne 0
# CDI downloads an http source to scratch space first (here the import
# container's own /scratch), then converts it into the volume's disk.img.
scratch=$(command podman mount "virt-launcher-$vm-import-slow" 2>/dev/null)/scratch/tmpimage
e2e_check "the killed import had downloaded part of the source ($(stat -c %s "$scratch" 2>&1) bytes of $((24 << 20)))" \
    sh -c "test -s '$scratch' && test \$(stat -c %s '$scratch') -lt $((24 << 20))"
command podman umount "virt-launcher-$vm-import-slow" >/dev/null 2>&1
e2e_check "the volume holds no whole disk" sh -c "! cmp -s '$srv/slow.img' '$sdir/disk.img' 2>/dev/null"
e2e_check "its running marker stays, and no done marker" \
    test -e "$sdir/.kubevirt-vm-to-pod-import-running" -a ! -e "$sdir/.kubevirt-vm-to-pod-import-done"
e2e_check "the VM did not start on the partial disk" test "$(state "virt-launcher-$vm-compute")" != running
for d in root data reg copy; do
    e2e_check "$d was imported before slow (done marker)" test -e "$(volume_dir "$vm-$d")/.kubevirt-vm-to-pod-import-done"
done
root_gets=$(gets guest.qcow2)
rm -f "$srv/stall"

# --- 2: the next start imports slow again, and only slow; the guest boots --------
t=$(e2e_now_ms)
podman kube play --replace "$E2E_TMP/dv.pod.yaml" >"$E2E_TMP/dv.play2" 2>&1
e2e_is "$?" 0 "podman kube play --replace starts the VM again"
out=$(e2e_vm_wait_ready "$vm")
e2e_diag "kube play --replace to KVPOD-READY, slow imported again: $(e2e_elapsed "$t")"
e2e_contains "$out" "KVPOD-GUEST-BOOTED" "the guest boots from the http DataVolume"
e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 1" "the blank DataVolume is the guest's data disk"
log=$(import_log "$vm-slow")
e2e_contains "$log" "an earlier import was stopped before it finished: its partial disk.img" \
    "slow's log: the next start removed what the killed import left"
e2e_is "$(count "$log" "importing from")" 2 "and imported slow again from the start"
e2e_check "slow's disk.img is the whole source now" cmp -n $((24 << 20)) "$srv/slow.img" "$sdir/disk.img"
e2e_is "$(stat -c %s "$sdir/disk.img")" $((32 << 20)) "at the requested size (32Mi)"
e2e_is "$(gets guest.qcow2)" "$root_gets" "the http root was not fetched again"
for d in root data reg copy; do
    log=$(import_log "$vm-$d")
    e2e_is "$(count "$log" "importing from"):$(count "$log" "not imported again")" 1:1 \
        "$d: imported once, not again at the second start (its log)"
done
rdir=$(volume_dir "$vm-root")
e2e_check "root's log keeps the importer's progress" grep -qE '^I[0-9].*[0-9]+\.[0-9]{2}$' "$rdir/.kubevirt-vm-to-pod-import.log"
e2e_is "$(stat -c %s:%u:%g "$rdir/disk.img")" $((96 << 20)):107:107 "root: raw, the requested size, the VM's user's"
e2e_check "root is the guest's disk, converted from qcow2 to raw" cmp -n "$(stat -c %s "$guest_disk")" "$guest_disk" "$rdir/disk.img"
gdir=$(volume_dir "$vm-reg")
e2e_check "reg is the guest's disk from the local image (pullMethod node)" \
    cmp -n "$(stat -c %s "$guest_disk")" "$guest_disk" "$gdir/disk.img"
cdir=$(volume_dir "$vm-copy")
e2e_check "copy is a clone of the source volume" cmp -n $((4 << 20)) "$E2E_TMP/src.img" "$cdir/disk.img"
e2e_is "$(stat -c %s "$cdir/disk.img")" $((8 << 20)) "grown to the requested size (8Mi)"
e2e_is "$(stat -c %s "$(volume_dir "$vm-data")/disk.img")" $((16 << 20)) "data: blank, the requested size (16Mi)"

# --- 3: replaced again: nothing imported, the guest's data kept --------------------
t=$(e2e_now_ms)
podman kube play --replace "$E2E_TMP/dv.pod.yaml" >"$E2E_TMP/dv.play3" 2>&1
e2e_is "$?" 0 "podman kube play --replace replaces the running VM's Pod"
out=$(e2e_vm_wait_ready "$vm")
e2e_diag "kube play --replace to KVPOD-READY, nothing imported: $(e2e_elapsed "$t")"
e2e_is "$(e2e_vm_guest_line "$out" BOOTCOUNT)" "KVPOD-BOOTCOUNT 2" "the data disk kept what the guest wrote"
e2e_is "$(gets guest.qcow2)" "$root_gets" "nothing fetched from the server"
for d in root data reg copy slow; do
    log=$(import_log "$vm-$d")
    e2e_is "$(count "$log" "not imported again")" "$([ $d = slow ] && echo 1 || echo 2)" \
        "$d: not imported again (its log)"
done
command podman pod rm -f -t 0 "virt-launcher-$vm" >/dev/null 2>&1
e2e_diag "vm_datavolume.sh: $(e2e_elapsed "$t_start") in all"

e2e_finish
