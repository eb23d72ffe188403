// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/unit_files.hpp"

#include "core/error.hpp"
#include "core/kubevirt/names.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

/// systemd's UNIT_NAME_MAX (256) less its terminating NUL.
constexpr std::size_t kMaxUnitName = 255;

std::string in_dir(std::string_view dir, const std::string& file) { return std::string(dir) + "/" + file; }

}  // namespace

UnitFlavor unit_flavor_for(const PodmanVersion& podman) {
    return podman.at_least(4, 4) ? UnitFlavor::Quadlet : UnitFlavor::Plain;
}

void check_unit_vm_name(std::string_view vm) {
    if (!is_dns_subdomain(vm))
        throw Error("VM name " + text::quoted(vm) + " is not a Kubernetes object name", "",
                    "give the VM's metadata.name: a-z, 0-9, '-' and '.', starting and ending with a letter or digit");
    if (unit_name(vm).size() > kMaxUnitName)
        throw Error("VM name is " + std::to_string(vm.size()) + " characters long: virt-launcher-NAME.service would "
                        "exceed systemd's " + std::to_string(kMaxUnitName) + " characters for a unit name",
                    "", "shorten the VM's name to at most " + std::to_string(kMaxUnitName - unit_name("").size()) +
                              " characters");
}

UnitFiles unit_files(std::string_view vm, UnitFlavor flavor) {
    check_unit_vm_name(vm);
    const std::string pod = launcher_pod_name(vm);
    UnitFiles files;
    files.flavor = flavor;
    files.service = unit_name(vm);
    if (flavor == UnitFlavor::Quadlet) {
        files.unit = in_dir(kQuadletDir, pod + ".kube");
        files.pod_yaml = in_dir(kQuadletDir, pod + ".yaml");
    } else {
        files.unit = in_dir(kSystemdUnitDir, files.service);
        files.pod_yaml = in_dir(kPlainPodDir, pod + ".yaml");
    }
    return files;
}

std::array<UnitFiles, 2> all_unit_files(std::string_view vm) {
    return {unit_files(vm, UnitFlavor::Quadlet), unit_files(vm, UnitFlavor::Plain)};
}

std::string_view flavor_name(UnitFlavor flavor) { return flavor == UnitFlavor::Quadlet ? "Quadlet" : "plain"; }

}  // namespace kvpod::kubevirt
