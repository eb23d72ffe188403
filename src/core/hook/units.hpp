// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/hook/host_inventory.hpp"
#include "core/hook/resolution.hpp"

/// The things a resource can be served by on this host ("units"), each with
/// the mode the host state dictates, and the matching devices that cannot
/// serve it with the reason and the fix.
///
/// virt-launcher turns a gpus[] or hostDevices[] entry into a libvirt
/// <hostdev> only from PCI_RESOURCE_<NAME> (the address of a PCI function on
/// vfio-pci) or MDEV_PCI_RESOURCE_<NAME> (a mediated device's UUID), and
/// refuses the VM when an entry has neither: a GPU on its host driver
/// (nvidia, amdgpu, i915, ...) is no unit for the hook.
namespace kvpod::hook {

enum class UnitMode {
    Vfio,     ///< a PCI function on vfio-pci: the VM gets the device itself
    Mdev,     ///< a mediated device (vGPU)
    HostGpu,  ///< a GPU on its host driver: the driver's nodes (--mount-devices only)
};

/// Whether a GPU on its host driver may be given as its device nodes.
enum class HostGpuNodes {
    Refuse,  ///< the hook: virt-launcher cannot attach such a GPU
    Give,    ///< --mount-devices on hosts without the hook: GPU-SUPPORT.md's vendor-table nodes, with a warning
};

struct Unit {
    std::string key;  ///< "pci:<bdf>", "mdev:<uuid>", "gpu:<bdf>" or "gpu:<bdf>/gi<N>" (MIG)
    UnitMode mode = UnitMode::Vfio;
    const PciFunction* function = nullptr;  ///< Vfio, HostGpu; an mdev's parent when known
    const MediatedDevice* mdev = nullptr;
    const MigInstance* mig = nullptr;
    int numa_node = -1;
    std::optional<PciAddress> pcie_switch;

    /// "0000:3b:00.0", "mdev 0b4c...", "0000:41:00.0 MIG gi1"
    std::string subject() const;
};

struct Unusable {
    std::string subject;
    std::string why;  ///< "is on nouveau instead of vfio-pci"
    std::string fix;  ///< commands or steps; may be empty
    bool off_vfio = false;  ///< a PCI function on another driver (or none): virt-launcher cannot attach it
};

struct Candidates {
    std::vector<Unit> usable;       ///< in address order
    std::vector<Unusable> unusable; ///< matching devices that cannot serve
    std::vector<Unusable> busy;     ///< usable but held by other containers
};

/// The units of `inventory` that `resolution` stands for. Units whose key is
/// in `unavailable` (or, for VFIO, whose IOMMU group holds such a unit) are
/// reported busy. A GPU on its host driver is a unit only with
/// HostGpuNodes::Give; else it is unusable, with how to bind it to vfio-pci.
Candidates find_candidates(const Resolution& resolution, const HostInventory& inventory,
                           const std::set<std::string>& unavailable, HostGpuNodes host_gpus = HostGpuNodes::Refuse);

/// The commands that bind `bdf` (now on `driver`, "" for none) to vfio-pci;
/// `others` ("0000:01:00.1 (on snd_hda_intel)") are functions of its IOMMU
/// group that must follow it.
std::string bind_to_vfio_fix(const std::string& bdf, const std::string& driver,
                             const std::vector<std::string>& others = {});

/// What makes `function` (not on vfio-pci) one virt-launcher can attach: the
/// IOMMU, then the binding of it and of its IOMMU group's other functions.
std::string vfio_fix(const PciFunction& function, const HostInventory& inventory);

}  // namespace kvpod::hook
