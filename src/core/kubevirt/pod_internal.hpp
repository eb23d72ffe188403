// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.hpp"
#include "core/kubevirt/pod_render.hpp"
#include "core/kubevirt/vmi_spec_facts.hpp"
#include "core/kubevirt/quantity.hpp"

/// Shared by the pod_*.cpp files that make up render_launcher_pod. Each part
/// follows one file of KubeVirt v1.8's pkg/virt-controller/services.
namespace kvpod::kubevirt::pod {

// The TemplateService inputs virt-controller uses, and the cluster
// configuration the converter stands for: KubeVirt's defaults with the
// ImageVolume feature gate on and serial console logging off (as the prior
// tool configured it), no feature gates besides.
inline constexpr std::string_view kVirtShareDir = "/var/run/kubevirt";
inline constexpr std::string_view kVirtPrivateDir = "/var/run/kubevirt-private";
inline constexpr std::string_view kEphemeralDiskDir = "/var/run/kubevirt-ephemeral-disks";
inline constexpr std::string_view kContainerDiskDir = "/var/run/kubevirt/container-disks";
inline constexpr std::string_view kHotplugDiskDir = "/var/run/kubevirt/hotplug-disks/";
inline constexpr std::string_view kImageVolumeDir = "/var/run/kubevirt-image-volume";
inline constexpr std::string_view kKernelBootVolumeDir = "/var/run/kubevirt-kernel-boot";
inline constexpr std::string_view kHookSocketsDir = "/var/run/kubevirt-hooks";
inline constexpr int kQemuTimeoutSeconds = 240;  // without KubeVirt's random jitter: output is deterministic
/// The start period of the compute container's health check (not KubeVirt's):
/// the check asks for an active domain, which libvirt has once QEMU runs,
/// before the guest boots: ~8 s after kube play here under TCG, ~20 s with
/// six builds beside it; two minutes cover a loaded host, and failures in it
/// do not count.
inline constexpr int kHealthStartPeriodSeconds = 120;
inline constexpr std::string_view kDiskMemoryLimit = "2097152000";
inline constexpr std::string_view kLauncherPullPolicy = "IfNotPresent";
inline constexpr int kCpuAllocationRatio = 10;
inline constexpr int kMemoryOvercommit = 100;
inline constexpr std::int64_t kNonRootUid = 107;

/// A DataVolume the Pod fills: its template, the pod volume (the VMI
/// volume's name) mounted at /data in the import, and the pod volumes it
/// reads from (a clone's source volume; a node pull's image).
struct DataVolumeImport {
    const DataVolumeTemplate* dv = nullptr;
    std::string volume;
    std::string clone_volume;
    std::string image_volume;
};

/// A disk that keeps what the guest writes beyond the Pod's life.
struct PersistentDisk {
    std::string volume;  ///< the VMI volume
    std::string kind;    ///< "volume" (a Podman named volume) or "hostDisk"
    std::string where;   ///< the Podman volume's name or the host path
};

/// Everything the parts share while one Pod is rendered.
struct Context {
    Context(const Json& vmi_, const ConvertOptions& options_, const PodOptions& pod_options_, Diagnostics& diagnostics_)
        : vmi(vmi_), spec(vmi_["spec"]), options(options_), pod_options(pod_options_), diagnostics(diagnostics_) {}

    const Json& vmi;
    const Json& spec;
    const ConvertOptions& options;
    const PodOptions& pod_options;
    Diagnostics& diagnostics;

    std::string name;
    std::string namespace_name;
    std::string uid;
    std::string pod_name;
    bool non_root = true;
    std::int64_t user_id = kNonRootUid;
    std::vector<SetupStep> setup;
    /// What the init containers import, in volume order (pod_datavolumes.cpp).
    std::vector<DataVolumeImport> imports;
    /// Disks whose data outlives the Pod, in volume order.
    std::vector<PersistentDisk> persistent_disks;

    void warn(std::string where, std::string message) const {
        diagnostics.push_back({std::move(where), std::move(message)});
    }
};

// ---- small readers of the VMI (absent or mistyped fields read as empty) ----

const Json& object_at(const Json& root, std::initializer_list<std::string_view> keys);
const Json& array_at(const Json& root, std::initializer_list<std::string_view> keys);
std::string string_at(const Json& root, std::initializer_list<std::string_view> keys);
bool bool_at(const Json& root, std::initializer_list<std::string_view> keys, bool fallback);
std::int64_t int_at(const Json& root, std::initializer_list<std::string_view> keys, std::int64_t fallback);
/// Key present (even as an empty object), as Go's non-nil pointer.
bool has(const Json& root, std::initializer_list<std::string_view> keys);



// ---- the parts ----

/// ResourceRenderer with VMIResourcePredicates (renderresources.go,
/// template.go): {"limits": {...}, "requests": {...}}.
Json render_resources(Context& ctx);

/// The CPU request of `total` vCPUs and I/O threads at cpuAllocationRatio
/// 10, as KubeVirt prints it: "100m" for 1, "1.1" for 11.
std::string cpu_request_text(std::int64_t total);

struct Volumes {
    Json volumes = Json::array();  ///< pod volumes, KubeVirt's order
    Json mounts = Json::array();   ///< compute volumeMounts
    Json devices = Json::array();  ///< compute volumeDevices
    std::vector<std::string> shared_filesystem_paths;
    std::vector<std::string> disk_checks;  ///< shell tests the containerDisk guard runs (Podman < 5.3)
    /// What virt-handler prepares before the launcher starts, done by the
    /// root init container vm-storage-init: shell steps (hostDisk images of
    /// DiskOrCreate, the ownership of the persistent state directories) and
    /// the compute mounts they work in.
    std::vector<std::string> storage_steps;
    Json storage_mounts = Json::array();
    /// What persists beyond the Pod and where ("efi=VOLUME", "tpm=VOLUME,VOLUME",
    /// "disk NAME=VOLUME" for a PVC or DataVolume, "disk NAME=PATH" for a
    /// hostDisk), for the annotation kubevirt-vm-to-pod/persistent-state.
    std::vector<std::string> persistent;
};

/// VolumeRenderer (rendervolumes.go) with the containerDisk mechanism of
/// the target Podman.
Volumes render_volumes(Context& ctx, int hook_sidecars);

/// The Pod's terminationGracePeriodSeconds: the VMI's (30 s by default) +
/// 30 as template.go pads it, what the kubelet waits between SIGTERM and
/// SIGKILL and, from Podman 4.7 on, each container's stop timeout. Warns
/// where the target Podman does not wait that long; refuses more seconds
/// than Podman can wait. Call it before the compute container is rendered:
/// virt-launcher's --grace-period-seconds adds to the same number.
std::int64_t pod_grace_period(const Context& ctx);

/// The hook sidecar list of annotation hooks.kubevirt.io/hookSidecars.
Json hook_sidecars(const Context& ctx);

/// The compute container (template.go, rendercontainer.go).
Json render_compute(Context& ctx, const Volumes& volumes, Json resources, int hook_sidecars);

/// One virtiofsd container per shared volume (virtiofs.go), in volume order;
/// they follow compute, as in KubeVirt.
Json render_virtiofs_containers(Context& ctx);

/// Containers that run beside compute, in KubeVirt's order: hook sidecars,
/// the guest console log (a native sidecar in KubeVirt), the console proxy.
Json render_side_containers(Context& ctx, const Json& sidecars);

/// Init containers: the DataVolume imports, then the containerDisk guard on
/// Podman without image volumes.
Json render_init_containers(Context& ctx, const Volumes& volumes);

/// One init container per DataVolume the Pod fills (pod_datavolumes.cpp).
Json render_import_containers(Context& ctx);

/// The warning that says which disks outlive the Pod (the annotation
/// kubevirt-vm-to-pod/persistent-state says it too).
void note_persistent_disks(Context& ctx);

Json pod_labels(const Context& ctx, const std::string& hostname);
Json pod_annotations(Context& ctx, const std::vector<std::string>& persistent);
Json node_selector(const Context& ctx);
/// vmi.spec.affinity plus the host-model and forbidden-feature rules; null when none.
Json pod_affinity(const Context& ctx);

}  // namespace kvpod::kubevirt::pod
