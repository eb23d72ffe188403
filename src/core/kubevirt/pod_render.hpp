// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/kubevirt/names.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/datavolume.hpp"

/// The Pod step of the converter with the Podman-specific choices that
/// KubeVirt's own renderer does not have to make.
namespace kvpod::kubevirt {

/// The Podman the Pod is written for. Features by version (kube play):
/// pod sysctls ≥ 4.5, volume subPath and one-shot init containers that the
/// pod's restart policy leaves alone ≥ 4.4, annotation values over 63
/// characters ≥ 5.0, `image:` volumes ≥ 5.3; before 4.8 a containerPort
/// without hostPort is published on the host's port of the same number.
struct PodmanVersion {
    int major = 5;
    int minor = 4;

    bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
    bool has_image_volumes() const { return at_least(5, 3); }
    bool has_pod_sysctls() const { return at_least(4, 5); }
    bool has_sub_path() const { return at_least(4, 4); }
    bool has_long_annotations() const { return at_least(5, 0); }
    bool publishes_container_ports() const { return !at_least(4, 8); }
    std::string str() const { return std::to_string(major) + "." + std::to_string(minor); }
};

/// Parses "4", "4.3", "4.3.1", "5.4.0"; an Error otherwise.
PodmanVersion parse_podman_version(std::string_view text);

/// Device nodes for `--mount-devices`, as the hook's planner found them on
/// the host: each becomes a hostPath CharDevice volume mounted at the same
/// path in the compute container. `env` (PCI_RESOURCE_*, ...) goes into the
/// compute container's environment.
struct HostDeviceMounts {
    std::vector<std::string> nodes;
    std::vector<std::pair<std::string, std::string>> env;
};

struct PodOptions {
    PodmanVersion podman;
    /// Set with --mount-devices; without it the hook gives the devices.
    std::optional<HostDeviceMounts> device_mounts;
    /// "Never" for a VMI; a VM's runStrategy decides (see restart_policy_for).
    std::string restart_policy = "Never";
    /// A systemd unit (install) plays and stops the Pod, waiting its grace
    /// period on every Podman: no advice on how to stop it by hand.
    bool stopped_by_unit = false;
    /// The VM's dataVolumeTemplates (read_data_volume_templates): the Pod
    /// fills each one its volumes use, once, with CDI's importer.
    std::vector<DataVolumeTemplate> data_volumes;
};

/// A command the user runs once before `podman kube play`.
struct SetupStep {
    std::string why;      ///< "containerDisk volume containerdisk"
    std::string command;  ///< "podman volume create --driver image ..."
};

struct RenderedPod {
    Json pod;
    std::vector<SetupStep> setup;
    /// The Podman volumes its init containers fill from DataVolumes at the
    /// first start (kube play waits for them: an import can take long).
    std::vector<std::string> imported_volumes;
    /// The ConfigMaps that hold its downwardAPI volumes' files
    /// (downward_api.hpp), for kube play to read beside the Pod.
    std::vector<Json> config_maps;
};

/// The Pod for `vmi` (a fully defaulted VMI as expand_vmi returns it).
RenderedPod render_launcher_pod(const Json& vmi, const ConvertOptions& options, const PodOptions& pod_options,
                                Diagnostics& diagnostics);

/// The restart policy a Podman user expects for a VM's runStrategy (or its
/// deprecated `running`): Always → Always, RerunOnFailure → OnFailure,
/// anything else → Never. `vm` is the VirtualMachine document; nullptr (a
/// VMI) gives Never, as KubeVirt never restarts a VMI.
std::string restart_policy_for(const Json* vm, Diagnostics& diagnostics);

}  // namespace kvpod::kubevirt
