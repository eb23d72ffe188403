// SPDX-License-Identifier: Apache-2.0
// dataVolumeTemplates filled by the Pod itself. In a cluster, KubeVirt's VM
// controller creates a DataVolume per template, CDI's controller a PVC named
// after it and an importer pod that runs cdi-importer on that PVC, and the
// launcher Pod waits until the DataVolume succeeded. Here the PVC is a Podman
// named volume of the same name (kube play creates it), and CDI's own
// importer runs as an init container of the launcher Pod, with the
// environment CDI's import controller gives it (import-controller.go
// makeImportEnv). Init containers run at every start of the Pod, so a small
// shell step around the importer makes the import happen once:
//   - a volume whose import finished (a marker file beside disk.img, written
//     after disk.img was synced) is never imported again: the disk is the
//     guest's from then on, across stops, --replace and kube down + play;
//   - an import that was stopped or killed left a "running" marker: its
//     partial disk.img is removed and the import starts over, so no start
//     boots from half a disk (the compute container only starts after every
//     init container succeeded);
//   - a failed import removes what it wrote and fails the init container,
//     with CDI's reason in `podman logs`;
//   - every start's word on the import, and the importer's own log, are
//     also kept in the volume (.kubevirt-vm-to-pod-import.log): kube play
//     removes init containers once the Pod runs (Podman 4.3), and with them
//     what `podman logs` showed;
//   - a disk.img that no import wrote (put there by hand) is left alone, and
//     the start refused with what to do.
// Progress: cdi-importer -v=1 logs the percentage every second, as in a
// cluster.
#include <algorithm>

#include "core/error.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt::pod {
namespace {

/// Where cdi-importer writes (common.ImporterDataDir) and what it writes.
constexpr std::string_view kImportDir = "/data";
constexpr std::string_view kCloneSourceDir = "/source";
constexpr std::string_view kNodeImageDir = "/image";
/// cdi-containerimage-server's port in import-controller.go (pullMethod node).
constexpr std::string_view kImageServerPort = "8100";

/// The step around the importer (bash: CDI's importer image has it, and
/// CDI itself runs `sh -c` in it). Everything it needs comes from the env,
/// so the text is the same for every DataVolume.
constexpr std::string_view kImportScript = R"SH(set -u
cd /data || exit 1
done_marker=.kubevirt-vm-to-pod-import-done
running_marker=.kubevirt-vm-to-pod-import-running
log=.kubevirt-vm-to-pod-import.log
say() { echo "kubevirt-vm-to-pod: DataVolume $KVPOD_DATAVOLUME: $*" | tee -a "$log"; }
fail() { say "$@" >&2; exit 1; }
if [ -f "$done_marker" ]; then
  [ -f disk.img ] || fail "the Podman volume $KVPOD_VOLUME was imported once but holds no disk.img now; not imported again over what may be the VM's data: to import anew, podman volume rm $KVPOD_VOLUME"
  say "$(date -u +%Y-%m-%dT%H:%M:%SZ) start: imported $(cat "$done_marker"); not imported again: the disk is the VM's"
  exit 0
fi
if [ -e disk.img ] && [ ! -e "$running_marker" ]; then
  fail "the Podman volume $KVPOD_VOLUME holds a disk.img that no import wrote; it is left as it is and the VM not started: to boot it as it is, create $done_marker beside it; to import, remove it"
fi
if [ -e "$running_marker" ]; then
  say "an earlier import was stopped before it finished: its partial disk.img ($(stat -c %s disk.img 2>/dev/null || echo 0) bytes) is removed and the import starts again"
fi
: >"$running_marker" && sync || exit 1
rm -f disk.img
rm -rf /scratch && mkdir -p /scratch || exit 1
say "$(date -u +%Y-%m-%dT%H:%M:%SZ) importing from $KVPOD_FROM into the Podman volume $KVPOD_VOLUME"
import() {
  case $KVPOD_SOURCE in
  clone)
    [ -f /source/disk.img ] || { echo "the Podman volume $KVPOD_CLONE_SOURCE holds no disk.img to clone"; return 1; }
    qemu-img convert -p -f raw -O raw /source/disk.img disk.img || return 1
    if [ -n "$KVPOD_SIZE_BYTES" ] && [ "$(stat -c %s disk.img)" -lt "$KVPOD_SIZE_BYTES" ]; then
      qemu-img resize -f raw disk.img "$KVPOD_SIZE_BYTES"
    fi
    ;;
  node)
    cdi-containerimage-server -p "$KVPOD_IMAGE_SERVER_PORT" -image-dir /image/disk -ready-file /tmp/ready -done-file /tmp/done &
    server=$!
    /usr/bin/cdi-importer -alsologtostderr -v=1
    status=$?
    kill "$server" 2>/dev/null
    return $status
    ;;
  *)
    /usr/bin/cdi-importer -alsologtostderr -v=1
    ;;
  esac
}
import 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
rm -rf /scratch
if [ "$status" -ne 0 ] || [ ! -s disk.img ]; then
  rm -f disk.img "$running_marker"
  fail "the import failed (exit $status; the reason is above and in $log in the volume); no disk was kept, the next start imports again"
fi
chown "$KVPOD_OWNER:$KVPOD_OWNER" disk.img && chmod 0660 disk.img && sync || exit 1
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) from $KVPOD_FROM" >"$done_marker.new" && mv "$done_marker.new" "$done_marker" &&
  rm -f "$running_marker" && sync || exit 1
say "imported: disk.img, $(stat -c %s disk.img) bytes"
)SH";

const char* source_name(DataVolumeSourceKind kind, bool node) {
    switch (kind) {
    case DataVolumeSourceKind::Blank: return "none";  // cc.SourceNone
    case DataVolumeSourceKind::Http: return "http";
    case DataVolumeSourceKind::Registry: return node ? "node" : "registry";
    case DataVolumeSourceKind::Clone: return "clone";
    }
    return "";
}

std::string from_text(const DataVolumeTemplate& dv) {
    switch (dv.kind) {
    case DataVolumeSourceKind::Blank: return "blank (" + dv.size + ")";
    case DataVolumeSourceKind::Http: return dv.url;
    case DataVolumeSourceKind::Registry: return dv.pull_from_node ? "the local image " + dv.image : dv.url;
    case DataVolumeSourceKind::Clone: return "the Podman volume " + dv.clone_source;
    }
    return "";
}

Json env_var(std::string name, std::string value) { return {{"name", std::move(name)}, {"value", std::move(value)}}; }

/// The importer's environment: what import-controller.go's makeImportEnv
/// sets for this source, with the filesystem overhead 0 (a Podman volume is
/// a directory with no size of its own: the disk gets exactly the requested
/// size), then the shell step's own values.
Json import_env(const DataVolumeImport& import) {
    const DataVolumeTemplate& dv = *import.dv;
    Json env = Json::array();
    if (dv.kind != DataVolumeSourceKind::Clone) {
        std::string source = dv.kind == DataVolumeSourceKind::Blank ? "none" : "http";
        std::string endpoint = dv.url;
        if (dv.kind == DataVolumeSourceKind::Registry && !dv.pull_from_node) source = "registry";
        if (dv.pull_from_node) endpoint = "http://localhost:" + std::string(kImageServerPort) + "/disk.img";
        env.push_back(env_var("IMPORTER_SOURCE", source));
        env.push_back(env_var("IMPORTER_ENDPOINT", endpoint));
        env.push_back(env_var("IMPORTER_CONTENTTYPE", "kubevirt"));
        env.push_back(env_var("IMPORTER_IMAGE_SIZE", dv.size));
        env.push_back(env_var("OWNER_UID", dv.name));
        env.push_back(env_var("FILESYSTEM_OVERHEAD", "0"));
        env.push_back(env_var("INSECURE_TLS", "false"));
        if (dv.kind == DataVolumeSourceKind::Registry)
            env.push_back(env_var("IMPORTER_PULL_METHOD", dv.pull_from_node ? "node" : "pod"));
        if (dv.pull_from_node) {
            env.push_back(env_var("IMPORTER_READY_FILE", "/tmp/ready"));
            env.push_back(env_var("IMPORTER_DONE_FILE", "/tmp/done"));
        }
        env.push_back(env_var("PREALLOCATION", dv.preallocation ? "true" : "false"));
        if (!dv.architecture.empty()) env.push_back(env_var("IMPORTER_REGISTRY_IMAGE_ARCHITECTURE", dv.architecture));
    }
    env.push_back(env_var("KVPOD_DATAVOLUME", dv.name));
    env.push_back(env_var("KVPOD_VOLUME", dv.name));
    env.push_back(env_var("KVPOD_SOURCE", source_name(dv.kind, dv.pull_from_node)));
    env.push_back(env_var("KVPOD_FROM", from_text(dv)));
    env.push_back(env_var("KVPOD_OWNER", std::to_string(kNonRootUid)));
    if (dv.kind == DataVolumeSourceKind::Clone) {
        env.push_back(env_var("KVPOD_CLONE_SOURCE", dv.clone_source));
        env.push_back(env_var("KVPOD_SIZE_BYTES", dv.size_bytes > 0 ? std::to_string(dv.size_bytes) : ""));
    }
    if (dv.pull_from_node) env.push_back(env_var("KVPOD_IMAGE_SERVER_PORT", std::string(kImageServerPort)));
    return env;
}

}  // namespace

void VolumeRenderer::data_volume(std::size_t i, const Json& volume) {
    const std::string name = string_at(volume, {"name"});
    const std::string claim = string_at(volume, {"dataVolume", "name"});
    const auto& templates = ctx_.pod_options.data_volumes;
    auto dv = std::find_if(templates.begin(), templates.end(), [&](const auto& t) { return t.name == claim; });
    if (dv == templates.end()) {
        pvc(i, volume, claim, {{"claimName", claim}});
        return;
    }
    std::string where = "/spec/volumes/" + std::to_string(i) + " (" + name + ")";
    if (std::any_of(ctx_.imports.begin(), ctx_.imports.end(), [&](const auto& other) { return other.dv == &*dv; }))
        throw Error("a second volume uses DataVolume " + text::quoted(claim), where,
                    "give each DataVolume to one volume: two disks on one image would corrupt it");
    add({{"name", name}, {"persistentVolumeClaim", {{"claimName", claim}}}},
        mount(name, std::string(kVirtPrivateDir) + "/vmi-disks/" + name));
    DataVolumeImport import{&*dv, name, "", ""};
    if (dv->kind == DataVolumeSourceKind::Clone) {
        import.clone_volume = name + "-clone-source";
        add({{"name", import.clone_volume},
             {"persistentVolumeClaim", {{"claimName", dv->clone_source}, {"readOnly", true}}}},
            nullptr);
        ctx_.warn(where, "DataVolume " + claim + " is cloned from the Podman volume " + sh_quote(dv->clone_source) +
                             " at the Pod's first start: stop the VMs that write to it first (CDI waits until no pod "
                             "uses the source; Podman does not)");
    }
    if (dv->pull_from_node) {
        import.image_volume = name + "-import-image";
        Json image_volume;
        image_source(import.image_volume, dv->image, "IfNotPresent", image_volume);
        add(std::move(image_volume), nullptr);
    }
    ctx_.imports.push_back(std::move(import));
}

Json render_import_containers(Context& ctx) {
    Json containers = Json::array();
    for (const auto& import : ctx.imports) {
        Json mounts = Json::array({mount(import.volume, std::string(kImportDir))});
        if (!import.clone_volume.empty()) mounts.push_back(mount(import.clone_volume, std::string(kCloneSourceDir), true));
        if (!import.image_volume.empty()) mounts.push_back(mount(import.image_volume, std::string(kNodeImageDir), true));
        // Root, for what the importer and the step write: the termination
        // message in /dev (util.WriteTerminationMessage) and the disk's owner.
        Json sc = {{"runAsUser", 0},
                   {"runAsNonRoot", false},
                   {"allowPrivilegeEscalation", false},
                   {"capabilities", {{"drop", Json::array({"ALL"})}, {"add", Json::array({"CHOWN", "DAC_OVERRIDE", "FOWNER"})}}}};
        containers.push_back({{"name", "import-" + import.volume},
                              {"image", ctx.options.importer_image},
                              {"imagePullPolicy", "IfNotPresent"},
                              {"command", {"/bin/bash", "-c", std::string(kImportScript)}},
                              {"env", import_env(import)},
                              // CDI's default importer resources (CDIConfig podResourceRequirements).
                              {"resources", {{"limits", {{"cpu", "750m"}, {"memory", "600M"}}},
                                             {"requests", {{"cpu", "100m"}, {"memory", "60M"}}}}},
                              {"securityContext", sc},
                              {"volumeMounts", std::move(mounts)},
                              {"terminationMessagePolicy", "FallbackToLogsOnError"}});
    }
    for (const auto& dv : ctx.pod_options.data_volumes)
        if (std::none_of(ctx.imports.begin(), ctx.imports.end(), [&](const auto& i) { return i.dv == &dv; }))
            ctx.warn(dv.where, "DataVolume " + dv.name + " is used by no volume of the VM: it is not filled");
    if (!ctx.imports.empty())
        ctx.warn("Pod /spec/initContainers",
                 "CDI's importer (" + ctx.options.importer_image + ") fills each DataVolume once at the Pod's first "
                 "start, before the VM boots; follow it with podman logs -f " + ctx.pod_name + "-import-" +
                     ctx.imports.front().volume + "; its log stays in the volume as .kubevirt-vm-to-pod-import.log "
                     "(--importer-image picks another image)");
    return containers;
}

void note_persistent_disks(Context& ctx) {
    if (ctx.persistent_disks.empty()) return;
    std::vector<std::string> parts;
    for (const auto& disk : ctx.persistent_disks) {
        parts.push_back(disk.volume + (disk.kind == "volume" ? " in the Podman volume " : " in the host file ") +
                        disk.where);
    }
    ctx.warn("Pod /metadata/annotations",
             "these disks keep what the guest writes after the Pod is gone (podman kube down, --replace, pod rm): " +
                 text::join(parts, ", ") + "; every other disk starts afresh with each Pod");
}

}  // namespace kvpod::kubevirt::pod
