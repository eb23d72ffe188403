// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/names.hpp"

#include "core/hash.hpp"

namespace kvpod::kubevirt {

std::string instance_id(std::string_view vm_name) {
    if (vm_name.size() <= 63) return std::string(vm_name);
    return std::string(vm_name.substr(0, 54)) + "-" + hash::sha1_hex(vm_name).substr(0, 8);
}

}  // namespace kvpod::kubevirt
