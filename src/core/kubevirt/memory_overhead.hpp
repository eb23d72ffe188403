// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/kubevirt/quantity.hpp"

namespace kvpod::kubevirt {

struct OverheadOptions {
    std::string architecture = "amd64";         ///< the VMI's, else the host's
    std::optional<double> additional_ratio;      ///< cluster additionalGuestMemoryOverheadRatio
    bool include_network = true;                 ///< +250Mi for passt (real clusters add it)
};

/// KubeVirt v1.8's memory overhead of a VMI (pkg/hypervisor/kvm
/// GetMemoryOverhead, plus the network term of pkg/network/resources when
/// `include_network`). `vmi_spec` is a VMI's spec object.
Quantity memory_overhead(const nlohmann::json& vmi_spec, const OverheadOptions& options);

/// The RLIMIT_MEMLOCK virt-handler gives a VFIO VMI's QEMU (pkg/hypervisor/kvm
/// runtime.go AdjustResources): overhead + the VM's base memory rounded up
/// to kilobytes. Base memory = memory.maxGuest, else requests.memory, else
/// memory.guest.
std::uint64_t memlock_bytes(const nlohmann::json& vmi_spec, const OverheadOptions& options);

}  // namespace kvpod::kubevirt
