// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/hook_config.hpp"
#include "core/hook/host_inventory.hpp"
#include "core/hook/resource_names.hpp"

/// What a resource name stands for on this host: the admin's
/// permittedHostDevices entries when the hook has them (KubeVirt's own
/// format), else GPU-SUPPORT.md's vendor table and NVIDIA's naming.
namespace kvpod::hook {

struct Resolution {
    std::string resource;
    bool from_config = false;
    std::vector<PciHostDeviceSelector> pci;        ///< config entries with this resourceName
    std::vector<MediatedDeviceSelector> mediated;  ///< likewise
    GpuVendor vendor = GpuVendor::Other;           ///< vendor table
    std::string model;                             ///< NVIDIA model ("TU104GL_TESLA_T4"); "" for any GPU
    bool hostdev = false;                          ///< asked for in hostDevices[]

    /// "pciVendorSelector 10de:1eb8", "any AMD GPU (vendor table)", ...
    std::string describe() const;
};

/// Resolves `request.device_name`. An Error when the name stands for nothing
/// the hook can give (not in permittedHostDevices, a USB resource, no vendor).
Resolution resolve(const DeviceRequest& request, const HookConfig& config);

/// Widens `query` so that discovery finds what `resolution` can use.
void add_to_query(const Resolution& resolution, InventoryQuery& query);

/// True when `function` is a device `resolution` stands for.
bool function_matches(const Resolution& resolution, const PciFunction& function);

/// True when `mdev` is a mediated device `resolution` stands for.
bool mdev_matches(const Resolution& resolution, const MediatedDevice& mdev);

/// The resource name NVIDIA's device plugin gives `function`:
/// "nvidia.com/TU104GL_TESLA_T4" (the device ID when pci.ids has no name).
std::string nvidia_resource_of(const PciFunction& function);

}  // namespace kvpod::hook
