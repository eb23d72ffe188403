#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
#
# kubevirt-vm-to-pod's Pods under real `podman kube play`: the converter
# writes the Pod for a VM, Podman plays it with the OCI hook installed, and a
# stand-in virt-launcher (busybox, tests/e2e/vm2pod/virt-launcher-monitor)
# reports what it finds: its arguments, STANDALONE_VMI, the containerDisk at
# the path virt-launcher opens, the devices the hook gave, the passt sysctls;
# and `kubevirt-vm-to-pod console` reaches a stand-in of QEMU's serial socket
# in the compute container's private volume.
# Runs on this machine's Podman 4.3 (containerDisks as image-driver volumes,
# created by the commands the converter prints) and, via podman5/run.sh, on
# Podman 5.4 (image volumes).
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

e2e_init vm2pod
converter=${E2E_CONVERTER:-$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod}
[ -x "$converter" ] || e2e_skip_all "no converter at $converter (build first)"
version=$(command podman version --format '{{.Client.Version}}')
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" -gt 5 ] || { [ "$major" = 5 ] && [ "$minor" -ge 3 ]; }; then image_volumes=1; else image_volumes=0; fi
sysctls_in_yaml=$([ "$major" -gt 4 ] || [ "$minor" -ge 5 ] && echo 1 || echo 0)
e2e_diag "Podman $version: image volumes $image_volumes, pod sysctls $sysctls_in_yaml"

elapsed() { echo "$(($(date +%s%N) / 1000000 - $1)) ms"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- images: the stand-in launcher and two containerDisks ------------------
t0=$(now_ms)
launcher=localhost/$E2E_PREFIX-launcher:1
tree=$E2E_TMP/launcher-tree
e2e_busybox_tree "$tree" || e2e_skip_all "cannot build a busybox tree"
mkdir -p "$tree/usr/bin" "$tree/usr/share/standin"
install -m 0755 "$here/vm2pod/virt-launcher-monitor" "$tree/usr/bin/virt-launcher-monitor"
# The launcher image has bash, which the Pod's guest-shutdown container runs
# (what it does is shown with the real launcher by vm_boot.sh).
printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$tree/bin/bash"
chmod 0755 "$tree/bin/bash"
install -m 0644 "$here/vm2pod/json.awk" "$tree/usr/share/standin/json.awk"
tar -C "$tree" -c . | command podman import --change 'ENV PATH=/bin:/usr/bin' - "$launcher" >/dev/null ||
    e2e_skip_all "cannot import the stand-in launcher"

# A containerDisk: a scratch image with /disk/<name>.img, owned by 107:107
# and mode 0440 as KubeVirt's containerDisk documentation asks.
make_disk() {  # make_disk IMAGE TEXT [PATH]
    local dir=$E2E_TMP/disk-$RANDOM path=${3:-/disk/e2e.img}
    mkdir -p "$dir$(dirname "$path")"
    printf '%s\n' "$2" >"$dir$path"
    head -c 65536 /dev/zero >>"$dir$path"
    chmod 0440 "$dir$path"
    tar -C "$dir" --owner=107 --group=107 -c . | command podman import - "$1" >/dev/null
}
disk_a=localhost/$E2E_PREFIX-disk:a
disk_b=localhost/$E2E_PREFIX-disk:b
# b keeps its disk elsewhere than /disk: the VM names it with containerDisk.path.
make_disk "$disk_a" "KVPOD-E2E-DISK-A" && make_disk "$disk_b" "KVPOD-E2E-DISK-B" /custom/b.qcow2 ||
    e2e_skip_all "cannot import the containerDisk images"
e2e_diag "images built in $(elapsed "$t0")"

# --- the hook, with a fake host root holding the virtualization devices ---
root=$E2E_TMP/root
e2e_mknod "$root" /dev/kvm c 10 232 0666
e2e_mknod "$root" /dev/net/tun c 10 200 0666
e2e_mknod "$root" /dev/vhost-net c 10 238 0666
printf '{}\n' >"$E2E_TMP/hook.yaml"
e2e_write_hook kubevirt "$root" "$E2E_TMP/hook.yaml"

# --- helpers -----------------------------------------------------------------
vm_file() {  # vm_file NAME IMAGE [DISK-PATH] -> path of a VirtualMachine document
    local file=$E2E_TMP/$1.yaml path=${3:+"          path: $3"}
    cat >"$file" <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $1
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          disks:
          - name: containerdisk
            disk: {bus: virtio}
          - name: cloudinitdisk
            disk: {bus: virtio}
          interfaces:
          - name: default
            masquerade: {}
        resources:
          requests:
            memory: 128Mi
      networks:
      - name: default
        pod: {}
      volumes:
      - name: containerdisk
        containerDisk:
          image: $2
$path
      - name: cloudinitdisk
        cloudInitNoCloud:
          userData: "#cloud-config\npassword: e2e\n"
EOF
    echo "$file"
}

convert() {  # convert VMFILE OUT ARGS... ; stderr in OUT.err
    "$converter" "$1" --launcher-image "$launcher" --podman-version "$version" "${@:3}" >"$2" 2>"$2.err"
}

# Runs the "before podman kube play, run: ..." commands the converter printed.
run_setup() {  # run_setup ERRFILE
    local line
    while IFS= read -r line; do
        eval "${line#kubevirt-vm-to-pod: before podman kube play, run: }" >/dev/null || return 1
    done < <(grep '^kubevirt-vm-to-pod: before podman kube play, run: ' "$1")
}

play() {  # play POD.yaml
    e2e_on_cleanup "command podman kube play --down '$1'"
    podman kube play "$1" >"$1.play" 2>&1
}

# Waits until the stand-in of VM NAME reported "ready" (or gave up), prints its report.
report() {  # report NAME [SECONDS]
    local ctr=virt-launcher-$1-compute i
    for ((i = 0; i < ${2:-30} * 5; i++)); do
        command podman logs "$ctr" 2>/dev/null | grep -q '^standin: ready' && break
        # Gone, or exited: nothing more will come.
        case $(command podman inspect --format '{{.State.Status}}' "$ctr" 2>/dev/null) in
        "" | exited | stopped) [ "$i" -gt 10 ] && break ;;
        esac
        sleep 0.2
    done
    command podman logs "$ctr" 2>/dev/null | grep '^standin: '
}

# The serial console: `kubevirt-vm-to-pod console` finds the compute
# container with podman inspect and connects from the host to the socket in
# its private volume, where QEMU listens under the real launcher; here
# vm2pod/serial_server.py listens there instead. (vm_boot.sh checks it
# against a real guest.)
check_console() {  # check_console VM
    local vm=$1 private out status server i
    private=$(command podman inspect --format \
        '{{range .Mounts}}{{if eq .Destination "/var/run/kubevirt-private"}}{{.Source}}{{end}}{{end}}' \
        "virt-launcher-$vm-compute")
    out=$("$converter" console "$vm" </dev/null 2>&1)
    e2e_contains "$out" "console: $private/virt-serial0: no serial console socket yet; QEMU has not started yet" \
        "console before QEMU listens: the socket is not there yet, at the private volume's host path"
    "$(e2e_python)" "$here/vm2pod/serial_server.py" "$private" virt-serial0 &
    server=$!
    e2e_on_cleanup "kill $server 2>/dev/null"
    for ((i = 0; i < 50; i++)); do [ -S "$private/virt-serial0" ] && break; sleep 0.1; done
    out=$(printf 'status\n' | timeout 30 "$converter" console --podman "$(command -v podman)" "$vm" 2>&1)
    status=$?
    e2e_is "$status" 0 "console ends by itself once stdin ended and the console was quiet" || e2e_diag "$out"
    e2e_contains "$out" "standin serial: attached" "console relays the serial socket to stdout"
    e2e_contains "$out" $'KVPOD-STANDIN-STATUS 1\r\nKVPOD-STANDIN-STATUS 2' \
        "console relays stdin to the socket and waits for the whole answer, given in pieces"
    out=$(printf 'x\n' | "$converter" console --namespace other "$vm" 2>&1)
    e2e_is "$out" "kubevirt-vm-to-pod: error: console: virt-launcher-$vm-compute runs VM $vm of namespace 'default', not 'other'; give --namespace default, or none" \
        "console --namespace is checked against the launcher's"
    kill "$server"
    wait "$server" 2>/dev/null
    out=$("$converter" console "$vm" </dev/null 2>&1)
    e2e_contains "$out" "virt-serial0: nothing accepts connections on the serial console socket (connection refused)" \
        "console once QEMU is gone: connection refused"
    rm -f "$private/virt-serial0"
}

# --- 1: a VM with a containerDisk, the hook's devices, passt ---------------
vm_a=$E2E_PREFIX-a
file=$(vm_file "$vm_a" "$disk_a")
t0=$(now_ms)
convert "$file" "$E2E_TMP/a.pod.yaml"
e2e_is "$?" 0 "the converter turns the VM into a Pod"
e2e_diag "conversion: $(elapsed "$t0")"
if [ "$image_volumes" = 1 ]; then
    e2e_contains "$(cat "$E2E_TMP/a.pod.yaml")" "reference: $disk_a" "Podman $version: the containerDisk is an image volume"
else
    e2e_contains "$(cat "$E2E_TMP/a.pod.yaml.err")" "podman volume create --driver image" \
        "Podman $version: the converter prints the image-driver volume to create"
    t0=$(now_ms)
    e2e_check "the printed setup commands run" run_setup "$E2E_TMP/a.pod.yaml.err"
    e2e_diag "setup: $(elapsed "$t0")"
fi
t0=$(now_ms)
play "$E2E_TMP/a.pod.yaml"
e2e_is "$?" 0 "podman kube play starts the Pod" || e2e_diag "$(cat "$E2E_TMP/a.pod.yaml.play")"
out=$(report "$vm_a")
e2e_diag "kube play to the stand-in's report: $(elapsed "$t0")"
e2e_contains "$out" "standin: ready" "the stand-in launcher ran to the end" || e2e_diag "$out"
e2e_contains "$out" "--qemu-timeout 240s --name $vm_a --uid  --namespace default" "virt-launcher's arguments"
e2e_contains "$out" "image volume mode: yes" "virt-launcher runs with --image-volume"
e2e_contains "$out" "standin: user: 107:107" "compute runs as uid/gid 107"
e2e_contains "$out" "pod name: virt-launcher-$vm_a" "POD_NAME comes from the fieldRef"
e2e_contains "$out" "vmi: valid JSON" "STANDALONE_VMI is one valid JSON value"
e2e_contains "$out" "vmi name: $vm_a" "STANDALONE_VMI is the VM's VMI"
e2e_contains "$out" "vmi runtimeUser: 107" "STANDALONE_VMI has the standalone status fields"
uuid=$(sed -n 's/^standin: vmi uuid: //p' <<<"$out")
e2e_check "STANDALONE_VMI has a name-based (v5) firmware UUID: $uuid" \
    grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' <<<"$uuid"
e2e_contains "$out" "vmi binding: passt" "the interface was switched to passt"
e2e_lacks "$out" "NOT writable" "every directory virt-launcher writes is writable by uid 107"
e2e_contains "$out" "disk 0: /var/run/kubevirt/container-disks/disk_0.img -> /var/run/kubevirt-image-volume/disk_0/disk/e2e.img: KVPOD-E2E-DISK-A" \
    "the containerDisk is where virt-launcher --image-volume links and opens it"
e2e_contains "$out" "device: /dev/kvm crw-rw-rw- owner 107:107 numbers 10,232" "the hook gave /dev/kvm (fake root) to uid 107"
e2e_contains "$out" "device: /dev/net/tun" "the hook gave /dev/net/tun"
e2e_contains "$out" "device: /dev/vhost-net" "the hook gave /dev/vhost-net"
if [ "$sysctls_in_yaml" = 1 ]; then
    e2e_contains "$out" "sysctl ping_group_range: 107 107" "Podman $version applies the pod sysctl ping_group_range"
    e2e_contains "$out" "sysctl ip_unprivileged_port_start: 0" "Podman $version applies the pod sysctl ip_unprivileged_port_start"
else
    e2e_contains "$(cat "$E2E_TMP/a.pod.yaml.err")" "default_sysctls" "the converter says how to set the sysctls on Podman $version"
    e2e_lacks "$out" "sysctl ping_group_range: 107 107" "Podman $version ignores pod sysctls (as the warning says)"
fi
status=$(command podman ps --filter "name=^virt-launcher-$vm_a-compute\$" --format '{{.Status}}')
e2e_contains "$status" "Up" "the compute container keeps running"
check_console "$vm_a"
# runStrategy Always: restart policy always, but Never where Podman < 4.4 would restart the guard too.
policy=$(command podman inspect --format '{{.HostConfig.RestartPolicy.Name}}' "virt-launcher-$vm_a-compute" 2>/dev/null)
if [ "$image_volumes" = 1 ]; then want=always; else want=no; fi
e2e_is "$policy" "$want" "runStrategy Always gives the compute container the restart policy '$want'"

# --- 2: a second VM at the same time: its own emptyDirs and disk -----------
vm_b=$E2E_PREFIX-b
file=$(vm_file "$vm_b" "$disk_b" /custom/b.qcow2)
convert "$file" "$E2E_TMP/b.pod.yaml" && { [ "$image_volumes" = 1 ] || run_setup "$E2E_TMP/b.pod.yaml.err"; }
play "$E2E_TMP/b.pod.yaml"
out_b=$(report "$vm_b")
e2e_contains "$out_b" "standin: ready" "a second VM's Pod runs beside the first" || e2e_diag "$out_b"
e2e_lacks "$out_b" "private dir already used by" "the second Pod does not share the first one's emptyDirs"
e2e_contains "$out_b" "disk_0.img -> /var/run/kubevirt-image-volume/disk_0/custom/b.qcow2: KVPOD-E2E-DISK-B" \
    "the second VM sees its own disk, at its containerDisk.path"
command podman kube play --down "$E2E_TMP/b.pod.yaml" >/dev/null 2>&1

# --- 3: no volume created (Podman < 5.3): the guard stops the VM -----------
if [ "$image_volumes" = 0 ]; then
    vm_c=$E2E_PREFIX-c
    file=$(vm_file "$vm_c" "$disk_b")
    convert "$file" "$E2E_TMP/c.pod.yaml"
    play "$E2E_TMP/c.pod.yaml"
    e2e_is "$?" 125 "without the setup commands, kube play fails"
    guard=$(command podman logs "virt-launcher-$vm_c-container-disk-check" 2>&1)
    e2e_contains "$(cat "$E2E_TMP/c.pod.yaml.play") $guard" "holds no disk that uid 107 can read" \
        "the containerDisk guard says the volume is empty and how to create it" ||
        e2e_diag "$(cat "$E2E_TMP/c.pod.yaml.play")" "$guard"
    e2e_lacks "$(report "$vm_c" 3)" "standin: ready" "the VM never starts on an empty disk"
fi

# --- 4: --mount-devices without the hook: the nodes this host has ----------
e2e_remove_hook kubevirt
vm_d=$E2E_PREFIX-d
file=$(vm_file "$vm_d" "$disk_a")
convert "$file" "$E2E_TMP/d.pod.yaml" --mount-devices && { [ "$image_volumes" = 1 ] || run_setup "$E2E_TMP/d.pod.yaml.err"; }
pod=$(cat "$E2E_TMP/d.pod.yaml")
e2e_lacks "$pod" "kubevirt-vm-to-pod/vm:" "--mount-devices drops the hook's marker"
for dev in /dev/kvm /dev/net/tun /dev/vhost-net; do
    if [ -c "$dev" ]; then
        e2e_contains "$pod" "path: $dev" "--mount-devices mounts $dev, which this host has"
    else
        e2e_lacks "$pod" "path: $dev" "--mount-devices leaves out $dev, which this host lacks"
        e2e_contains "$(cat "$E2E_TMP/d.pod.yaml.err")" "the host has no $dev" "and warns about $dev"
    fi
done
play "$E2E_TMP/d.pod.yaml"
e2e_is "$?" 0 "kube play accepts the --mount-devices Pod" || e2e_diag "$(cat "$E2E_TMP/d.pod.yaml.play")"
out_d=$(report "$vm_d")
if [ -c /dev/net/tun ]; then
    e2e_contains "$out_d" "device: /dev/net/tun" "the compute container has the host's /dev/net/tun"
fi
command podman kube play --down "$E2E_TMP/d.pod.yaml" >/dev/null 2>&1

# --- 5: Podman < 4.5: the containers.conf workaround for the sysctls -------
if [ "$sysctls_in_yaml" = 0 ]; then
    command podman kube play --down "$E2E_TMP/a.pod.yaml" >/dev/null 2>&1
    sed -i 's/^\[containers\]$/[containers]\ndefault_sysctls = ["net.ipv4.ping_group_range=107 107", "net.ipv4.ip_unprivileged_port_start=0"]/' \
        "$CONTAINERS_CONF"
    play "$E2E_TMP/a.pod.yaml"
    out=$(report "$vm_a")
    e2e_contains "$out" "sysctl ping_group_range: 107 107" "with default_sysctls, passt's ping_group_range is set"
    e2e_contains "$out" "sysctl ip_unprivileged_port_start: 0" "with default_sysctls, ip_unprivileged_port_start is 0"
fi

e2e_finish
