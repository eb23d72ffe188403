// SPDX-License-Identifier: Apache-2.0
// containerDisks and kernel boot images, and the volumes KubeVirt adds after
// the VMI's own (hook sockets, hugepages, hotplug).
//
// KubeVirt with the ImageVolume gate mounts each containerDisk image at
// /var/run/kubevirt-image-volume/disk_<i>; virt-launcher --image-volume then
// links /var/run/kubevirt/container-disks/disk_<i>.img to the disk inside it
// (virtwrap/manager.go linkImageVolumeFilePaths). Podman 5.3 and later have
// the same `image:` volume. Older Podman has none, but has image-driver named
// volumes, which mount an image's root: the Pod names one per disk (after the
// VM, the volume and a hash of the image, so a changed image gets a new
// volume), the user creates them once before `kube play`, and an init
// container refuses to start the VM while one holds no disk, since a missing
// named volume is silently created empty.
#include <algorithm>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"

namespace kvpod::kubevirt::pod {
namespace {

/// A shell test that is true when virt-launcher will find the disk: the
/// file `path` names inside the image, or else exactly one file under /disk.
std::string disk_test(const std::string& dir, const std::string& path) {
    if (!path.empty()) return "[ -r " + sh_quote(dir + (path.front() == '/' ? "" : "/") + path) + " ]";
    return "{ set -- " + sh_quote(dir + "/disk") + "/*; [ $# -eq 1 ] && [ -r \"$1\" ]; }";
}

std::string kernel_boot_test(const Json& container) {
    std::string test;
    for (const char* key : {"kernelPath", "initrdPath"}) {
        std::string path = string_at(container, {key});
        if (path.empty()) continue;
        if (!test.empty()) test += " && ";
        test += "[ -r " + sh_quote(std::string(kKernelBootVolumeDir) + (path.front() == '/' ? "" : "/") + path) + " ]";
    }
    return test.empty() ? "true" : test;
}

}  // namespace

std::string VolumeRenderer::image_source(const std::string& name, const std::string& image, const std::string& policy,
                                         Json& volume) {
    if (ctx_.pod_options.podman.has_image_volumes()) {
        Json source = {{"reference", image}};
        if (!policy.empty()) source["pullPolicy"] = policy;
        volume = {{"name", name}, {"image", source}};
        return "";
    }
    std::string claim = ctx_.name + "-" + name + "-" + hash::sha1_hex(image).substr(0, 8);
    volume = {{"name", name}, {"persistentVolumeClaim", {{"claimName", claim}, {"readOnly", true}}}};
    std::string create = "podman volume create --driver image --opt " + sh_quote("image=" + image) + " " + claim;
    // The image must be in local storage; pull it the way the pull policy says.
    if (policy != "Never" && std::find(pulled_.begin(), pulled_.end(), image) == pulled_.end()) {
        pulled_.push_back(image);
        std::string pull = "podman pull " + sh_quote(image);
        if (policy != "Always") pull = "podman image exists " + sh_quote(image) + " || " + pull;
        ctx_.setup.push_back({"pull " + image, pull});
    }
    // Idempotent, as the pull: after a kube down the volume is still there (its
    // name hashes the image), and running the setup again must not fail.
    ctx_.setup.push_back({"the image volume of " + name, "podman volume exists " + claim + " || " + create});
    return claim;
}

void VolumeRenderer::image_volume(const std::string& name, const std::string& image, const std::string& policy,
                                  const std::string& mount_path, const std::string& where, const std::string& check) {
    Json volume;
    std::string claim = image_source(name, image, policy, volume);
    add(std::move(volume), mount(name, mount_path, true));
    if (claim.empty()) return;

    std::string create = "podman volume create --driver image --opt " + sh_quote("image=" + image) + " " + claim;
    std::string message = "kubevirt-vm-to-pod: " + name + ": the Podman volume " + claim + " holds no disk that uid " +
                          std::to_string(ctx_.user_id) + " can read at " + mount_path +
                          " (kube play creates a missing volume empty); run podman kube play --down, podman volume rm " +
                          claim + ", then " + create + " and play again";
    out_.disk_checks.push_back("if ! " + check + "; then echo " + sh_quote(message) + " >&2; missing=1; fi");
    if (policy == "Always")
        ctx_.warn(where, "imagePullPolicy Always: an image-driver volume keeps the image it was created from; to "
                         "take a newer image, remove the volume and run the setup commands again");
}

void VolumeRenderer::image_volumes() {
    const Json& volumes = array_at(ctx_.spec, {"volumes"});
    for (std::size_t i = 0; i < volumes.size(); ++i) {
        const Json* disk = find_path(volumes[i], {"containerDisk"});
        if (!disk) continue;
        std::string dir = std::string(kImageVolumeDir) + "/disk_" + std::to_string(i);
        std::string where = "/spec/volumes/" + std::to_string(i) + " (" + string_at(volumes[i], {"name"}) + ")";
        image_volume(string_at(volumes[i], {"name"}), string_at(*disk, {"image"}), string_at(*disk, {"imagePullPolicy"}),
                     dir, where, disk_test(dir, string_at(*disk, {"path"})));
        if (!string_at(*disk, {"imagePullSecret"}).empty())
            ctx_.warn(where, "imagePullSecret is not used by Podman: log in to the registry first (podman login)");
    }
    if (const Json* kernel = find_path(ctx_.spec, {"domain", "firmware", "kernelBoot", "container"})) {
        image_volume("kernel-boot-volume", string_at(*kernel, {"image"}), string_at(*kernel, {"imagePullPolicy"}),
                     std::string(kKernelBootVolumeDir), "/spec/domain/firmware/kernelBoot/container",
                     kernel_boot_test(*kernel));
    }
}

void VolumeRenderer::optional_volumes(int hook_sidecars) {
    const Json& spec = ctx_.spec;
    if (hook_sidecars > 0) add(empty_dir("hook-sidecar-sockets"), mount("hook-sidecar-sockets", std::string(kHookSocketsDir)));
    if (has(spec, {"domain", "memory", "hugepages"})) {
        add({{"name", "hugepages"}, {"emptyDir", {{"medium", "HugePages"}}}}, mount("hugepages", "/dev/hugepages"));
        add(empty_dir("hugetblfs-dir"), mount("hugetblfs-dir", "/dev/hugepages/libvirt/qemu"));
        ctx_.warn("/spec/domain/memory/hugepages",
                  "podman kube play mounts an ordinary directory at /dev/hugepages, not hugetlbfs: QEMU cannot back "
                  "the guest with huge pages there; drop hugepages or mount hugetlbfs yourself");
    }
    if (!bool_at(spec, {"domain", "devices", "disableHotplug"}, false)) {
        Json m = mount("hotplug-disks", std::string(kHotplugDiskDir));
        m["mountPropagation"] = "HostToContainer";
        add(empty_dir("hotplug-disks"), m);
    }
    for (const auto& iface : array_at(spec, {"domain", "devices", "interfaces"})) {
        if (has(iface, {"sriov"}))
            ctx_.warn("/spec/domain/devices/interfaces (" + string_at(iface, {"name"}) + ")",
                      "SR-IOV needs the network-info downward API volume and a device plugin; podman kube play has "
                      "neither, so the volume is left out and the interface will not come up");
    }
}

void VolumeRenderer::finish() {
    out_.volumes = Json::array({empty_dir("private"), empty_dir("public"), empty_dir("sockets"),
                                empty_dir("virt-bin-share-dir"), empty_dir("libvirt-runtime"), empty_dir("ephemeral-disks")});
    out_.mounts = Json::array({mount("private", std::string(kVirtPrivateDir)), mount("public", std::string(kVirtShareDir)),
                               mount("ephemeral-disks", std::string(kEphemeralDiskDir)),
                               mount("libvirt-runtime", "/var/run/libvirt"),
                               mount("sockets", std::string(kVirtShareDir) + "/sockets")});
    for (auto& v : extra_volumes_) out_.volumes.push_back(std::move(v));
    for (auto& m : extra_mounts_) out_.mounts.push_back(std::move(m));
}

Volumes render_volumes(Context& ctx, int hook_sidecars) {
    Volumes out;
    VolumeRenderer r(ctx, out);
    r.config_volumes();
    r.vmi_volumes();
    r.access_credentials();
    r.backend_storage();
    r.image_volumes();
    r.optional_volumes(hook_sidecars);
    r.virtiofs();
    r.finish();
    return out;
}

}  // namespace kvpod::kubevirt::pod
