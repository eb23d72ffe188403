// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/hook/device_plan.hpp"
#include "core/hook/pci_address.hpp"

/// What the host has for GPU and PCI passthrough, as facts the host seam
/// discovers and the pure planner decides on. Nothing here touches the host.
namespace kvpod::hook {

/// A DRM node of a GPU: "card1" or "renderD129", with the kernel's
/// "major:minor" from sysfs (`drm/<name>/dev`) to check /dev/dri against.
struct DrmNode {
    std::string name;
    std::string dev;
};

/// A MIG GPU instance of an NVIDIA GPU (/proc/driver/nvidia/capabilities/
/// gpu<minor>/mig/gi<id>), with the nvidia-caps minors of its access caps.
struct MigInstance {
    unsigned gi = 0;
    std::optional<unsigned> access_minor;  ///< from mig-minors "gpu<m>/gi<gi>/access"
    std::map<unsigned, std::optional<unsigned>> compute;  ///< ci → minor of "gpu<m>/gi<gi>/ci<ci>/access"
};

struct PciFunction {
    PciAddress address;
    std::uint16_t vendor = 0;
    std::uint16_t device = 0;
    std::uint16_t device_class = 0;  ///< base class << 8 | subclass (0x0302: 3D controller)
    std::string driver;              ///< "" when no driver is bound
    std::optional<unsigned> iommu_group;
    int numa_node = -1;                  ///< -1 when the kernel does not say
    std::optional<PciAddress> pcie_switch;  ///< upstream port of the PCIe switch above it
    std::optional<PciAddress> physfn;       ///< the PF, for an SR-IOV VF
    unsigned sriov_totalvfs = 0;            ///< for a PF
    std::vector<std::string> vfio_cdevs;    ///< "vfio3" (<bdf>/vfio-dev/, Linux >= 6.1)
    std::vector<DrmNode> drm;
    std::optional<unsigned> nvidia_minor;   ///< "Device Minor" of /proc/driver/nvidia/gpus/<bdf>/information
    std::vector<MigInstance> mig;
    std::string name;  ///< pci.ids device name, "" when not looked up or unknown

    std::string bdf() const { return address.str(); }
    bool is_display() const { return (device_class >> 8) == 0x03; }
    /// "10de:1eb8"
    std::string ids() const;
};

struct IommuGroupMember {
    std::string bdf;
    std::string driver;  ///< "" when none
};

struct IommuGroup {
    unsigned id = 0;
    std::vector<IommuGroupMember> members;
};

/// A type a parent device can create mediated devices of.
struct MdevType {
    std::string parent;  ///< BDF
    std::string id;      ///< "nvidia-222"
    std::string name;    ///< "GRID T4-1Q"
    std::optional<unsigned> available;
};

struct MediatedDevice {
    std::string uuid;
    std::string type_id;    ///< basename of the mdev_type link
    std::string type_name;  ///< mdev_type/name, else type_id
    std::string parent;     ///< BDF of the parent device
    std::optional<unsigned> iommu_group;
    int numa_node = -1;     ///< the parent's
};

/// What to look for; built by the planner from the VM's requests so that the
/// host seam reads only what the request can use.
struct InventoryQuery {
    bool pci = false;            ///< look at PCI functions at all
    bool mediated = false;       ///< list /sys/bus/mdev/devices
    bool names = false;          ///< look up pci.ids names
    bool complete = false;       ///< every function, whatever its driver (error path, plan)
    bool any_display = false;    ///< every display-class function matches
    /// GPUs on their host drivers as candidates, with their DRM, NVIDIA and
    /// MIG facts (--mount-devices); the hook leaves them to the complete scan.
    bool host_gpus = false;
    std::set<std::uint16_t> vendors;   ///< every function of these vendors matches
    std::set<std::uint32_t> ids;       ///< vendor << 16 | device

    /// True when a function with these IDs is of interest.
    bool matches(std::uint16_t vendor, std::uint16_t device, std::uint16_t device_class) const;
};

/// The PCI driver whose bound functions the hook can give a VM (virt-launcher
/// attaches a PCI function only on it); candidates are enumerated from
/// /sys/bus/pci/drivers/vfio-pci/.
inline constexpr const char* kVfioDriver = "vfio-pci";
/// GPU host drivers whose nodes --mount-devices gives (GPU-SUPPORT.md's
/// vendor table), enumerated only for InventoryQuery::host_gpus.
inline constexpr const char* kHostGpuDrivers[] = {"nvidia", "amdgpu", "i915", "xe"};
/// amdgpu, i915, xe: the host drivers whose GPUs have DRM nodes.
bool is_drm_gpu_driver(std::string_view driver);

struct HostInventory {
    bool complete = false;  ///< functions holds every matching function, not only bound ones
    /// /sys/kernel/iommu_groups has entries; known only when complete.
    std::optional<bool> iommu_enabled;
    std::vector<PciFunction> functions;  ///< sorted by address
    std::map<unsigned, IommuGroup> groups;
    std::vector<MediatedDevice> mdevs;   ///< sorted by uuid
    std::vector<MdevType> mdev_types;    ///< only when complete
    std::map<std::string, std::int64_t> char_majors;  ///< /proc/devices, character section
    HostNodes nodes;
    /// Nodes that exist but are wrong (a symlink, not a device): path → why.
    std::map<std::string, std::string> node_problems;
    std::vector<std::string> warnings;  ///< from libpci, for the log

    const PciFunction* function(const PciAddress& address) const;
    /// The node at `path` when the host has it.
    const HostNode* node(const std::string& path) const;
};

/// Every device node path the planner may grant for `inventory`, so the host
/// seam stats exactly those.
std::vector<std::string> node_paths_to_inspect(const HostInventory& inventory);

/// Paths of the nodes the planner grants.
inline constexpr const char* kVfioContainerPath = "/dev/vfio/vfio";
inline constexpr const char* kIommufdPath = "/dev/iommu";
inline constexpr const char* kKfdPath = "/dev/kfd";
inline constexpr const char* kNvidiaCtlPath = "/dev/nvidiactl";
inline constexpr const char* kNvidiaUvmPath = "/dev/nvidia-uvm";
inline constexpr const char* kNvidiaUvmToolsPath = "/dev/nvidia-uvm-tools";
inline constexpr const char* kNvidiaModesetPath = "/dev/nvidia-modeset";
std::string vfio_group_path(unsigned group);
std::string vfio_cdev_path(const std::string& cdev);
std::string nvidia_gpu_path(unsigned minor);
std::string nvidia_cap_path(unsigned minor);
std::string drm_path(const std::string& name);

}  // namespace kvpod::hook
