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
namespace kvpod::hook {

enum class UnitMode {
    Vfio,     ///< a PCI function on vfio-pci: the VM gets the device itself
    Mdev,     ///< a mediated device (vGPU)
    HostGpu,  ///< a GPU on its host driver: the driver's nodes
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
    std::string why;  ///< "bound to nouveau, not vfio-pci"
    std::string fix;  ///< commands or steps; may be empty
};

struct Candidates {
    std::vector<Unit> usable;       ///< in address order
    std::vector<Unusable> unusable; ///< matching devices that cannot serve
    std::vector<Unusable> busy;     ///< usable but held by other containers
};

/// The units of `inventory` that `resolution` stands for. Units whose key is
/// in `unavailable` (or, for VFIO, whose IOMMU group holds such a unit) are
/// reported busy.
Candidates find_candidates(const Resolution& resolution, const HostInventory& inventory,
                           const std::set<std::string>& unavailable);

/// The commands that bind `bdf` (now on `driver`, "" for none) to vfio-pci.
std::string bind_to_vfio_fix(const std::string& bdf, const std::string& driver);

}  // namespace kvpod::hook
