// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/hook/host_inventory.hpp"
#include "host/host_root.hpp"

namespace kvpod::host {

/// Reads what `query` asks for from the host under `root`: PCI functions
/// through libpci on the root's /sys/bus/pci, their IOMMU groups, SR-IOV
/// links, VFIO cdev entries, mediated devices, and the device nodes the
/// planner may grant (stat of the real nodes under the root's /dev); with
/// `query.host_gpus` (--mount-devices) also DRM entries and NVIDIA's procfs
/// (minors, MIG).
///
/// Unless `query.complete`, only functions bound to vfio-pci (and with
/// `host_gpus` to hook::kHostGpuDrivers) are looked at, enumerated from
/// /sys/bus/pci/drivers/<driver>/, so the cost follows the candidates, not
/// the size of the bus. A complete query scans every function, to say what
/// exists when a request cannot be served (a GPU on its host driver, with
/// the other functions of its IOMMU group).
hook::HostInventory discover_devices(const HostRoot& root, const hook::InventoryQuery& query);

}  // namespace kvpod::host
