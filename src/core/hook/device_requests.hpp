// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/vm_document.hpp"

/// The GPUs and host devices a VM asks for (spec.domain.devices.gpus[] and
/// hostDevices[]), read and checked before anything is looked up on the host.
namespace kvpod::hook {

enum class RequestList { Gpus, HostDevices };

struct DeviceRequest {
    RequestList list = RequestList::Gpus;
    std::size_t index = 0;
    std::string name;         ///< the entry's name ("gpu1"); may be empty in a bad entry
    std::string device_name;  ///< the resource name it asks for
    std::string where;        ///< "env STANDALONE_VMI:/spec/domain/devices/gpus/0"
    /// Set when the entry cannot be served whatever the host has (no
    /// deviceName, a path for a deviceName, a DRA claim...).
    std::optional<Error> problem;

    /// "gpus[0] gpu1", for rows and messages.
    std::string label() const;
};

/// Every entry of gpus[] then hostDevices[], in order. `spec_source` names
/// the text the VM came from ("env STANDALONE_VMI", "vm.yaml"). Bad entries
/// come back with `problem` set rather than thrown, so every one is reported.
std::vector<DeviceRequest> read_device_requests(const kubevirt::VmDocument& vm, std::string_view spec_source);

}  // namespace kvpod::hook
