// SPDX-License-Identifier: Apache-2.0
#include "host/installed_unit.hpp"

namespace kvpod::host {

std::optional<kubevirt::UnitFiles> installed_unit(const HostRoot& root, std::string_view vm) {
    for (auto& files : kubevirt::all_unit_files(vm))
        if (root.exists(files.unit)) return files;
    return std::nullopt;
}

std::optional<kubevirt::UnitFiles> installed_unit(const std::string& host_root, std::string_view vm) {
    kubevirt::check_unit_vm_name(vm);  // before the root is opened: the name is the first thing to be wrong
    HostRoot root(host_root);
    return installed_unit(root, vm);
}

}  // namespace kvpod::host
