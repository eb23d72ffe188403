// SPDX-License-Identifier: Apache-2.0
#include "core/hook/host_inventory.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace kvpod::hook {

std::string PciFunction::ids() const {
    return text::hex(vendor, 4) + ':' + text::hex(device, 4);
}

bool InventoryQuery::matches(std::uint16_t vendor, std::uint16_t device, std::uint16_t device_class) const {
    if (any_display && (device_class >> 8) == 0x03) return true;
    if (vendors.count(vendor)) return true;
    return ids.count(static_cast<std::uint32_t>(vendor) << 16 | device) > 0;
}

const PciFunction* HostInventory::function(const PciAddress& address) const {
    auto it = std::lower_bound(functions.begin(), functions.end(), address,
                               [](const PciFunction& f, const PciAddress& a) { return f.address < a; });
    return it != functions.end() && it->address == address ? &*it : nullptr;
}

const HostNode* HostInventory::node(const std::string& path) const {
    auto it = nodes.find(path);
    return it != nodes.end() && it->second ? &*it->second : nullptr;
}

bool is_drm_gpu_driver(std::string_view driver) { return driver == "amdgpu" || driver == "i915" || driver == "xe"; }

std::string vfio_group_path(unsigned group) { return "/dev/vfio/" + std::to_string(group); }
std::string vfio_cdev_path(const std::string& cdev) { return "/dev/vfio/devices/" + cdev; }
std::string nvidia_gpu_path(unsigned minor) { return "/dev/nvidia" + std::to_string(minor); }
std::string nvidia_cap_path(unsigned minor) { return "/dev/nvidia-caps/nvidia-cap" + std::to_string(minor); }
std::string drm_path(const std::string& name) { return "/dev/dri/" + name; }

std::vector<std::string> node_paths_to_inspect(const HostInventory& inventory) {
    std::set<std::string> paths;
    bool vfio = !inventory.mdevs.empty();
    bool nvidia = false;
    bool amd = false;
    for (const auto& f : inventory.functions) {
        if (f.driver == "vfio-pci") {
            vfio = true;
            if (f.iommu_group) paths.insert(vfio_group_path(*f.iommu_group));
            for (const auto& cdev : f.vfio_cdevs) paths.insert(vfio_cdev_path(cdev));
            if (!f.vfio_cdevs.empty()) paths.insert(kIommufdPath);
        }
        if (f.nvidia_minor) {
            nvidia = true;
            paths.insert(nvidia_gpu_path(*f.nvidia_minor));
            for (const auto& gi : f.mig) {
                if (gi.access_minor) paths.insert(nvidia_cap_path(*gi.access_minor));
                for (const auto& [ci, minor] : gi.compute)
                    if (minor) paths.insert(nvidia_cap_path(*minor));
            }
        }
        if (f.driver == "amdgpu" && !f.drm.empty()) amd = true;
        if (f.driver != "nvidia")
            for (const auto& drm : f.drm) paths.insert(drm_path(drm.name));
    }
    for (const auto& m : inventory.mdevs)
        if (m.iommu_group) paths.insert(vfio_group_path(*m.iommu_group));
    if (vfio) paths.insert(kVfioContainerPath);
    if (nvidia)
        for (const char* p : {kNvidiaCtlPath, kNvidiaUvmPath, kNvidiaUvmToolsPath, kNvidiaModesetPath}) paths.insert(p);
    if (amd) paths.insert(kKfdPath);
    return {paths.begin(), paths.end()};
}

}  // namespace kvpod::hook
