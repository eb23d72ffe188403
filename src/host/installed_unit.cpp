// SPDX-License-Identifier: Apache-2.0
#include "host/installed_unit.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/kubevirt/names.hpp"

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

std::vector<std::string> installed_unit_vms(const HostRoot& root) {
    std::vector<std::string> vms;
    for (auto flavor : {kubevirt::UnitFlavor::Quadlet, kubevirt::UnitFlavor::Plain}) {
        // The directory and suffix of this flavor's unit, from its files for a sample name.
        const std::string sample = kubevirt::unit_files("x", flavor).unit;
        const std::string dir = sample.substr(0, sample.rfind('/'));
        const std::string prefix = kubevirt::launcher_pod_name(""), suffix = sample.substr(sample.rfind('.'));
        for (const auto& name : root.list_dir(dir)) {
            if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
                continue;
            std::string vm = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
            try {
                kubevirt::check_unit_vm_name(vm);
            } catch (const Error&) {
                continue;
            }
            if (kubevirt::unit_files(vm, flavor).unit == dir + "/" + name) vms.push_back(vm);
        }
    }
    std::sort(vms.begin(), vms.end());
    vms.erase(std::unique(vms.begin(), vms.end()), vms.end());
    return vms;
}

}  // namespace kvpod::host
