#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# e2e: podman5
#
# How long Podman waits between SIGTERM and SIGKILL when it stops a converted
# VM Pod. The Pod's terminationGracePeriodSeconds (the VMI's + 30, as KubeVirt
# writes it) is the compute container's stop timeout where kube play reads it
# (Podman 4.7 on); before, the converter warns and the two ways it advises
# are checked here: `podman pod stop -t N`, and playing with stop_timeout in a
# containers.conf. `podman kube down` waits for it from Podman 5.1 on and
# kills at once before (hence the advice to `pod stop` first).
#
# The compute container runs a stand-in that only measures Podman: on SIGTERM
# it takes $term_seconds to exit, longer than Podman's default stop timeout
# (10 s) and shorter than the grace period. That is Podman's behaviour, not
# virt-launcher's; what the real launcher does in that time is vm_boot.sh's.
set -u -o pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

e2e_init vm2pod-stop
converter=${E2E_CONVERTER:-$E2E_BUILD_DIR/src/vm2pod/kubevirt-vm-to-pod}
[ -x "$converter" ] || e2e_skip_all "no converter at $converter (build first)"
version=$(command podman version --format '{{.Client.Version}}')
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
at_least() { [ "$major" -gt "$1" ] || { [ "$major" = "$1" ] && [ "$minor" -ge "$2" ]; }; }
if at_least 4 7; then grace_read=1; else grace_read=0; fi
if at_least 5 1; then down_waits=1; else down_waits=0; fi
e2e_diag "Podman $version: kube play reads the grace period $grace_read, kube down waits $down_waits"

vm_seconds=5
grace=$((vm_seconds + 30))
term_seconds=14
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- the stand-in image --------------------------------------------------------
launcher=localhost/$E2E_PREFIX-launcher:1
tree=$E2E_TMP/launcher-tree
e2e_busybox_tree "$tree" || e2e_skip_all "cannot build a busybox tree"
mkdir -p "$tree/usr/bin"
cat >"$tree/usr/bin/virt-launcher-monitor" <<EOF
#!/bin/sh
trap 'echo "standin: SIGTERM"; sleep $term_seconds; echo "standin: exiting after SIGTERM"; exit 0' TERM
echo "standin: ready"
while :; do sleep 1; done
EOF
# The launcher image has bash, which the Pod's other containers may run.
printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$tree/bin/bash"
chmod 0755 "$tree/usr/bin/virt-launcher-monitor" "$tree/bin/bash"
tar -C "$tree" -c . | command podman import --quiet --change 'ENV PATH=/bin:/usr/bin' - "$launcher" >/dev/null ||
    e2e_skip_all "cannot import the stand-in launcher"

# --- the VM and its Pod --------------------------------------------------------
vm=$E2E_PREFIX-vm
pod=virt-launcher-$vm
compute=$pod-compute
cat >"$E2E_TMP/vm.yaml" <<EOF
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: $vm
spec:
  runStrategy: Manual
  template:
    spec:
      terminationGracePeriodSeconds: $vm_seconds
      domain:
        devices: {}
        resources:
          requests:
            memory: 128Mi
EOF
pod_yaml=$E2E_TMP/vm.pod.yaml
"$converter" "$E2E_TMP/vm.yaml" --launcher-image "$launcher" --podman-version "$version" >"$pod_yaml" 2>"$pod_yaml.err"
e2e_is "$?" 0 "the converter turns the VM into a Pod" || e2e_diag "$(cat "$pod_yaml.err")"
e2e_contains "$(cat "$pod_yaml")" "terminationGracePeriodSeconds: $grace" \
    "the Pod's grace period is the VM's $vm_seconds s + 30, as KubeVirt writes it"
e2e_on_cleanup "command podman kube play --down '$pod_yaml'"
# The Pod's emptyDir volumes are named after it, not after the prefix.
e2e_on_cleanup "command podman volume ls -q | grep '^$pod-' | xargs -r podman volume rm -f"

play() {  # play [NAME=VALUE...]: kube play with those variables, then wait for the stand-in
    # shellcheck disable=SC2163  # exports the NAME=VALUE words given
    ( [ $# = 0 ] || export "$@"; podman kube play "$pod_yaml" ) >"$pod_yaml.play" 2>&1 ||
        { e2e_diag "$(cat "$pod_yaml.play")"; return 1; }
    wait_ready
}
wait_ready() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(command podman logs "$compute" 2>/dev/null | grep -c '^standin: ready')" -ge "${1:-1}" ] && return 0
        sleep 0.2
    done
    e2e_diag "the stand-in did not start: $(command podman logs "$compute" 2>&1 | tail -n 5)"
    return 1
}
# timed CMD...: runs CMD, stderr to $E2E_TMP/timed.err, sets $took_ms.
timed() {
    local t0
    t0=$(now_ms)
    "$@" >/dev/null 2>"$E2E_TMP/timed.err"
    took_ms=$(($(now_ms) - t0))
}
stop_timeout() { command podman inspect --format '{{.Config.StopTimeout}}' "$compute"; }

# A stop that waited for the stand-in: it exited by itself (0, not SIGKILL's
# 137) after its $term_seconds s, past Podman's default 10 s.
check_waited() {  # check_waited DESC
    local code
    code=$(command podman inspect --format '{{.State.ExitCode}}' "$compute")
    if [ "$took_ms" -ge $(((term_seconds - 1) * 1000)) ] && [ "$took_ms" -lt $((grace * 1000)) ] && [ "$code" = 0 ]; then
        e2e_ok "$1 ($took_ms ms)"
    else
        e2e_not_ok "$1" "took $took_ms ms, compute exit code $code" "$(cat "$E2E_TMP/timed.err")"
    fi
    e2e_lacks "$(cat "$E2E_TMP/timed.err")" "resorting to SIGKILL" "$1: no SIGKILL"
    e2e_contains "$(command podman logs "$compute" 2>&1)" "standin: exiting after SIGTERM" "$1: the stand-in finished"
}

# --- 1: as played ----------------------------------------------------------------
play
e2e_is "$?" 0 "podman kube play starts the Pod"
if [ "$grace_read" = 1 ]; then
    e2e_is "$(stop_timeout)" "$grace" "Podman $version: the compute container's stop timeout is the Pod's grace period"
    e2e_lacks "$(cat "$pod_yaml.err")" "podman pod stop -t" "Podman $version: no advice to stop with -t"
    timed podman pod stop "$pod"
    check_waited "podman pod stop waits for the compute container"
else
    e2e_is "$(stop_timeout)" 10 "Podman $version ignores the grace period: containers.conf's stop timeout (10 s)"
    e2e_contains "$(cat "$pod_yaml.err")" \
        "Pod /spec/terminationGracePeriodSeconds: Podman $major.$minor ignores it (kube play reads it from 4.7 on)" \
        "Podman $version: the converter warns that the grace period is ignored"
    e2e_contains "$(cat "$pod_yaml.err")" "stop the VM with podman pod stop -t $grace $pod," "... and says how to stop the VM"
    timed podman pod stop -t "$grace" "$pod"
    check_waited "podman pod stop -t $grace, as the converter advises, waits for the compute container"
fi

# --- 2: podman kube down ---------------------------------------------------------
command podman pod start "$pod" >/dev/null 2>&1
wait_ready 2
timed podman kube play --down "$pod_yaml"
if [ "$down_waits" = 1 ]; then
    if [ "$took_ms" -ge $(((term_seconds - 1) * 1000)) ]; then
        e2e_ok "Podman $version: kube down waits for the compute container ($took_ms ms)"
    else
        e2e_not_ok "Podman $version: kube down waits for the compute container" "took $took_ms ms"
    fi
else
    # Podman's own gap (PodStop with timeout 0 until 5.1): what the warning is for.
    if [ "$took_ms" -lt 5000 ]; then
        e2e_ok "Podman $version: kube down kills at once ($took_ms ms), as the converter warns"
    else
        e2e_not_ok "Podman $version: kube down kills at once" "took $took_ms ms"
    fi
    e2e_contains "$(cat "$pod_yaml.err")" "also before podman kube down or kube play --replace" \
        "Podman $version: the converter says to stop the VM before kube down"
fi

# --- 3: before 4.7, the containers.conf way: stop_timeout at kube play ----------
if [ "$grace_read" = 0 ]; then
    conf=$E2E_TMP/stop-timeout.conf
    # lib.sh's private containers.conf ends in its [engine] table.
    { cat "$CONTAINERS_CONF"; echo "stop_timeout = $grace"; } >"$conf"
    e2e_contains "$(cat "$pod_yaml.err")" "or play the Pod with stop_timeout = $grace in the [engine] table of containers.conf" \
        "Podman $version: the converter names the containers.conf way"
    play CONTAINERS_CONF="$conf"
    e2e_is "$?" 0 "podman kube play with stop_timeout = $grace in containers.conf"
    e2e_is "$(stop_timeout)" "$grace" "Podman $version: then the compute container's stop timeout is the grace period"
    timed podman pod stop "$pod"
    check_waited "a plain podman pod stop then waits for the compute container"
fi

e2e_finish
