#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The plumbing exclusive allocation rests on, with real Podman (4.3) and runc:
#  - runtime hooks that a precreate hook adds to the config (createRuntime,
#    poststop) are run by runc, with the container's state on stdin;
#  - the container id derived from the config (linux.cgroupsPath leaf, the
#    /run/.containerenv mount; oci::read_facts) equals runc's state id;
#  - `oci-kubevirt-hook runtime-hook create-runtime|poststop` rebinds a
#    pending claim to the container's init process and releases it at stop,
#    across start, stop, restart and rm.
#
# The precreate hook here is a test stand-in (sh + jq): it does what
# oci-kubevirt-hook's precreate does for a container that gets a device
# (write a pending claim bound to Podman, add the two runtime hooks), so this
# test does not depend on device discovery. tests/e2e/alloc_gpus.sh runs the
# real hook. Runs on Podman 4.3 and, nested, 5.4 (run-all.sh).
# e2e: podman5
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init alloc-plumbing
img=$(e2e_image) || e2e_skip_all "cannot build the busybox image"

state=$E2E_TMP/state
unit=gpu:0000:01:00.0
annotation=alloc-e2e/plumbing

# The stand-in precreate hook. Podman runs it with an empty environment.
cat >"$E2E_TMP/standin-precreate.sh" <<SH
#!/bin/sh
PATH=/usr/bin:/bin
cfg=\$(cat)
printf '%s' "\$cfg" >"$E2E_TMP/precreate-config.json"
id=\$(printf '%s' "\$cfg" | jq -r '.linux.cgroupsPath // ""' | sed -n 's/.*libpod[-:]\([0-9a-f]\{64\}\)\$/\1/p')
dir=\$(printf '%s' "\$cfg" | jq -r '.mounts[] | select(.destination == "/run/.containerenv") | .source' | sed 's|/\.containerenv\$||')
start=\$(sed 's/.*) //' /proc/\$PPID/stat | cut -d' ' -f20)
mkdir -p -m 0700 "$state"
jq -n --arg id "\$id" --arg dir "\$dir" --argjson pid \$PPID --argjson start "\$start" \
  '{version: 1, container: \$id, state: "pending", units: ["$unit"], owner: {pid: \$pid, startTime: \$start}, containerDir: \$dir}' \
  >"$state/.tmp-\$\$-\$id.json" && mv "$state/.tmp-\$\$-\$id.json" "$state/\$id.json"
printf '%s' "\$cfg" | jq --arg bin "$E2E_HOOK_BIN" --arg dir "$state" '
  .hooks.createRuntime += [{path: \$bin, args: ["oci-kubevirt-hook", "runtime-hook", "create-runtime", "--state-dir", \$dir], timeout: 10}]
  | .hooks.poststop += [{path: \$bin, args: ["oci-kubevirt-hook", "runtime-hook", "poststop", "--state-dir", \$dir], timeout: 10}]'
SH
chmod 0755 "$E2E_TMP/standin-precreate.sh"
jq -n --arg path "$E2E_TMP/standin-precreate.sh" --arg key "^${annotation//./\\.}\$" \
    '{version: "1.0.0", hook: {path: $path, args: ["standin-precreate"], timeout: 10},
      when: {annotations: {($key): ".*"}}, stages: ["precreate"]}' >"$E2E_HOOKS_DIR/alloc-standin.json"

ctr=$E2E_PREFIX-c1
e2e_log_start || true
e2e_log_mark
record_of() { cat "$state/$1.json" 2>/dev/null; }
start_time_of() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

# 1. podman run: precreate claims, createRuntime binds to the container.
out=$(podman run -d --name "$ctr" --annotation "$annotation=1" "$img" sleep 1000 2>&1)
e2e_is "$?" 0 "podman run starts the container ($out)"
id=$(command podman inspect --format '{{.Id}}' "$ctr")
pid=$(command podman inspect --format '{{.State.Pid}}' "$ctr")
bundle=$(command podman inspect --format '{{.StaticDir}}' "$ctr")
derived=$(jq -r '.linux.cgroupsPath' "$E2E_TMP/precreate-config.json" | sed -n 's/.*libpod[-:]\([0-9a-f]\{64\}\)$/\1/p')
e2e_is "$derived" "$id" "the id in linux.cgroupsPath is Podman's container id"
mount_id=$(jq -r '.mounts[] | select(.destination == "/run/.containerenv") | .source' "$E2E_TMP/precreate-config.json" |
    sed -n 's|.*-containers/\([0-9a-f]\{64\}\)/userdata/\.containerenv$|\1|p')
e2e_is "$mount_id" "$id" "the /run/.containerenv mount names the same container"
cfg=$(e2e_oci_config "$ctr")
e2e_is "$(jq -c '[.hooks.createRuntime[]?, .hooks.poststop[]? | select(.path == "'"$E2E_HOOK_BIN"'") | .args[2]]' <<<"$cfg")" \
    '["create-runtime","poststop"]' "the runtime config runc got holds both runtime hooks the precreate hook added"
rec=$(record_of "$id")
# createRuntime looks the claim up by runc's state id: finding it proves that id equals the derived one.
e2e_is "$(jq -r .state <<<"$rec")" running "createRuntime ran under runc, found the claim by runc's state id, and bound it"
e2e_is "$(jq -r .owner.pid <<<"$rec")" "$pid" "the claim is bound to the container's init pid (podman inspect .State.Pid)"
e2e_is "$(jq -r .owner.startTime <<<"$rec")" "$(start_time_of "$pid")" "... and to its start time (/proc/<pid>/stat field 22)"
e2e_is "$(jq -r .containerDir <<<"$rec")" "$bundle" "the container dir is runc's bundle from the state on stdin"
e2e_is "$(jq -c .units <<<"$rec")" "[\"$unit\"]" "the claimed unit is kept"
e2e_log_check "createRuntime logs to syslog" "container ${id:0:12}: $unit bound to pid $pid"
e2e_log_mark

# 2. podman stop: runc delete runs poststop, which releases the claim.
command podman stop -t 1 "$ctr" >/dev/null 2>&1
rec=$(record_of "$id")
e2e_is "$(jq -c '[.state, .units, has("owner")]' <<<"$rec")" "[\"stopped\",[\"$unit\"],false]" \
    "podman stop: poststop released the claim and remembered the unit"
e2e_log_check "poststop logs to syslog" "container ${id:0:12}: released $unit"

# 3. podman start: claimed and bound again, to the new process.
podman start "$ctr" >/dev/null 2>&1
pid2=$(command podman inspect --format '{{.State.Pid}}' "$ctr")
rec=$(record_of "$id")
e2e_is "$(jq -r '.state + " " + (.owner.pid | tostring)' <<<"$rec")" "running $pid2" "podman start: bound to the new init process"

# 4. podman restart: poststop, precreate, createRuntime in turn.
podman restart -t 1 "$ctr" >/dev/null 2>&1
pid3=$(command podman inspect --format '{{.State.Pid}}' "$ctr")
rec=$(record_of "$id")
if [ "$pid3" != "$pid2" ]; then e2e_ok "podman restart gave the container a new process"; else e2e_not_ok "podman restart gave the container a new process"; fi
e2e_is "$(jq -r '.state + " " + (.owner.pid | tostring)' <<<"$rec")" "running $pid3" "podman restart: bound to the restarted process"

# 5. podman rm -f of a running container: poststop still runs and exits 0.
out=$(command podman rm -f -t 1 "$ctr" 2>&1)
e2e_is "$?" 0 "podman rm -f succeeds ($out)"
e2e_is "$(jq -r .state <<<"$(record_of "$id")")" stopped "podman rm -f: poststop released the claim"
e2e_check "the container's bundle is gone, which frees its record at the next allocation" test ! -e "$bundle"

e2e_finish
