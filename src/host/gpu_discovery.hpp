// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/hook/host_inventory.hpp"
#include "host/host_root.hpp"

/// GPU facts beyond PCI: DRM nodes from sysfs, NVIDIA's minors and MIG
/// instances from its procfs.
namespace kvpod::host {

/// Fills `function`'s DRM entries (/sys/bus/pci/devices/<bdf>/drm/card*,
/// renderD*), and for one on nvidia its Device Minor and MIG GPU instances.
void read_gpu_facts(const HostRoot& root, hook::PciFunction& function);

/// Fills the nvidia-caps minors of every MIG instance found, from
/// /proc/driver/nvidia-caps/mig-minors (read only when there is one).
void read_mig_minors(const HostRoot& root, hook::HostInventory& inventory);

}  // namespace kvpod::host
