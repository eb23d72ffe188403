// SPDX-License-Identifier: Apache-2.0
// virtiofs filesystems (domain.devices.filesystems), as KubeVirt v1.8 renders
// them: virt-controller's virtiofs.go gives each shared volume a container
// virtiofs-<volume> that runs virtiofsd from the launcher image, unprivileged
// (uid 107, every capability dropped), with the volume mounted and its
// vhost-user socket in the emptyDir virtiofs-containers
// (/var/run/kubevirt/virtiofs-containers/<volume>.sock, pkg/virtiofs); the
// compute container mounts the same emptyDir and virt-launcher points the
// domain's <filesystem> at that socket (converter/storage/virtiofs.go).
// KubeVirt admits a PVC or DataVolume only with the EnableVirtioFsStorageVolumes
// feature gate; a VM given to the converter asks for it by naming one, so
// the converter stands for a cluster with the gate on.
#include <algorithm>

#include "core/error.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt::pod {
namespace {

constexpr std::string_view kVirtiofsVolume = "virtiofs-containers";
constexpr std::string_view kVirtiofsd = "/usr/libexec/virtiofsd";

std::string socket_dir() { return std::string(kVirtShareDir) + "/" + std::string(kVirtiofsVolume); }

const Json* volume_named(const Json& spec, const std::string& name) {
    for (const auto& v : array_at(spec, {"volumes"}))
        if (string_at(v, {"name"}) == name) return &v;
    return nullptr;
}

/// The volume kind a filesystem shares, and where virtiofsd sees it
/// (virtiofs.go virtioFSMountPoint); empty when KubeVirt shares no such kind.
struct Share {
    std::string kind;
    std::string path;
    bool read_only = false;
};

Share share_of(const Json& volume) {
    std::string name = string_at(volume, {"name"});
    std::string private_dir(kVirtPrivateDir);
    if (has(volume, {"persistentVolumeClaim"}))
        return {"persistentVolumeClaim", "/" + name, bool_at(volume, {"persistentVolumeClaim", "readOnly"}, false)};
    if (has(volume, {"dataVolume"})) return {"dataVolume", "/" + name, false};
    // Kubernetes mounts ConfigMaps and Secrets read-only in every container;
    // kube play does only where the mount says so.
    if (has(volume, {"configMap"})) return {"configMap", private_dir + "/config-map/" + name, true};
    if (has(volume, {"secret"})) return {"secret", private_dir + "/secret/" + name, true};
    if (has(volume, {"downwardAPI"})) return {"downwardAPI", private_dir + "/downwardapi/" + name, true};
    return {};
}

std::string kind_of(const Json& volume) {
    for (const auto& [key, value] : volume.items())
        if (key != "name") return key;
    return "empty";
}

/// virtiofs.ResourcesForVirtioFSContainer with KubeVirt's default
/// SupportContainerResources.
Json virtiofs_resources(const Context& ctx) {
    bool guaranteed = wants_guaranteed_qos(ctx.spec);
    bool cpu_pinned = is_cpu_dedicated(ctx.spec) || guaranteed;
    return {{"limits", {{"cpu", "100m"}, {"memory", "80M"}}},
            {"requests", {{"cpu", cpu_pinned ? "100m" : "10m"}, {"memory", guaranteed ? "80M" : "1M"}}}};
}

}  // namespace

std::vector<std::string> virtiofs_filesystems(const Json& spec) {
    std::vector<std::string> names;
    for (const auto& fs : array_at(spec, {"domain", "devices", "filesystems"})) names.push_back(string_at(fs, {"name"}));
    return names;
}

void VolumeRenderer::virtiofs() {
    const Json& filesystems = array_at(ctx_.spec, {"domain", "devices", "filesystems"});
    if (filesystems.empty()) return;
    for (std::size_t i = 0; i < filesystems.size(); ++i) {
        std::string name = string_at(filesystems[i], {"name"});
        std::string where = "/spec/domain/devices/filesystems/" + std::to_string(i) + " (" + name + ")";
        if (!has(filesystems[i], {"virtiofs"}))
            throw Error("a filesystem without virtiofs: {} gets no device", where,
                        "add virtiofs: {}, the only filesystem type KubeVirt has");
        const Json* volume = volume_named(ctx_.spec, name);
        if (!volume)
            throw Error("names no volume", where, "add a volume " + text::quoted(name) + " to share, or remove the filesystem");
        if (share_of(*volume).kind.empty())
            throw Error("a virtiofs filesystem shares a persistentVolumeClaim, dataVolume, configMap, secret or downwardAPI "
                        "volume; "
                        "this one is " + kind_of(*volume),
                        where,
                        "share a host directory through a persistentVolumeClaim whose Podman volume binds it "
                        "(podman volume create --opt type=none --opt o=bind --opt device=DIR NAME), or attach the "
                        "volume as a disk");
    }
    // withVirioFS in template.go: the socket directory, beside the volumes.
    add(empty_dir(std::string(kVirtiofsVolume)), mount(std::string(kVirtiofsVolume), socket_dir()));
}

Json render_virtiofs_containers(Context& ctx) {
    Json containers = Json::array();
    std::vector<std::string> shared = virtiofs_filesystems(ctx.spec);
    if (shared.empty()) return containers;
    // In volume order, as generateVirtioFSContainers walks them.
    for (const auto& volume : array_at(ctx.spec, {"volumes"})) {
        std::string name = string_at(volume, {"name"});
        if (std::find(shared.begin(), shared.end(), name) == shared.end()) continue;
        Share share = share_of(volume);
        Json volume_mounts = Json::array({mount(std::string(kVirtiofsVolume), socket_dir())});
        volume_mounts.push_back(mount(name, share.path, share.read_only));
        containers.push_back(
            {{"name", "virtiofs-" + name},
             {"image", ctx.options.launcher_image},
             {"imagePullPolicy", std::string(kLauncherPullPolicy)},
             {"command", {std::string(kVirtiofsd)}},
             {"args",
              {"--socket-path=" + socket_dir() + "/" + name + ".sock", "--shared-dir=" + share.path, "--sandbox=none",
               "--cache=auto", "--migration-on-error=guest-error", "--migration-mode=find-paths"}},
             {"resources", virtiofs_resources(ctx)},
             {"securityContext",
              {{"runAsUser", kNonRootUid},
               {"runAsGroup", kNonRootUid},
               {"runAsNonRoot", true},
               {"allowPrivilegeEscalation", false},
               {"capabilities", {{"drop", Json::array({"ALL"})}}}}},
             {"volumeMounts", std::move(volume_mounts)}});
    }
    return containers;
}

}  // namespace kvpod::kubevirt::pod
