// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

#include "core/error.hpp"
#include "core/hook/device_requests.hpp"
#include "core/hook/host_inventory.hpp"
#include "core/hook/resolution.hpp"
#include "core/hook/units.hpp"

/// The refusals of passthrough planning: each says what the VM asked for,
/// what the host has instead, and what to do.
namespace kvpod::hook {

/// No host device is what `resolution` stands for: lists what exists.
Error no_match_error(const DeviceRequest& request, const Resolution& resolution, const HostInventory& inventory);

/// `wanted` entries ask for the resource, `candidates.usable` can serve fewer:
/// names the devices that cannot and the first fix, and what virt-launcher
/// attaches when one is on a driver other than vfio-pci. `given` names who
/// got the usable ones ("gpus[0] gpu1").
Error shortage_error(const DeviceRequest& request, const Resolution& resolution, const Candidates& candidates,
                     std::size_t wanted, const std::string& given);

}  // namespace kvpod::hook
