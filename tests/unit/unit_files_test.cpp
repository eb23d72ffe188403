// SPDX-License-Identifier: Apache-2.0
// Where a VM's unit and Pod YAML go (core/kubevirt/unit_files.hpp): the
// paths install writes and the lifecycle commands look for.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/kubevirt/unit_files.hpp"
#include "test_support.hpp"

using namespace kvpod::kubevirt;
using kvpod::testing::error_of;

TEST_CASE("Quadlet from Podman 4.4 on, a plain unit before") {
    struct Case {
        const char* version;
        UnitFlavor flavor;
    };
    const std::vector<Case> cases = {
        {"4.2", UnitFlavor::Plain}, {"4.3.1", UnitFlavor::Plain}, {"4.4", UnitFlavor::Quadlet},
        {"4.9.3", UnitFlavor::Quadlet}, {"5.4.2", UnitFlavor::Quadlet},
    };
    for (const auto& c : cases) {
        CAPTURE(c.version);
        CHECK(unit_flavor_for(parse_podman_version(c.version)) == c.flavor);
    }
}

TEST_CASE("the files of each flavor") {
    auto quadlet = unit_files("web.1", UnitFlavor::Quadlet);
    CHECK(quadlet.unit == "/etc/containers/systemd/virt-launcher-web.1.kube");
    CHECK(quadlet.pod_yaml == "/etc/containers/systemd/virt-launcher-web.1.yaml");
    CHECK(quadlet.service == "virt-launcher-web.1.service");
    auto plain = unit_files("web.1", UnitFlavor::Plain);
    CHECK(plain.unit == "/etc/systemd/system/virt-launcher-web.1.service");
    CHECK(plain.pod_yaml == "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.1.yaml");
    CHECK(plain.service == "virt-launcher-web.1.service");
    auto both = all_unit_files("web.1");
    CHECK(both[0].unit == quadlet.unit);
    CHECK(both[1].unit == plain.unit);
    CHECK(flavor_name(UnitFlavor::Quadlet) == "Quadlet");
    CHECK(flavor_name(UnitFlavor::Plain) == "plain");
}

TEST_CASE("a name that cannot be a unit or a path component is refused") {
    const std::string fix = "give the VM's metadata.name: a-z, 0-9, '-' and '.', starting and ending with a letter or digit";
    struct Case {
        std::string name;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"", "VM name '' is not a Kubernetes object name; " + fix},
        {"../etc", "VM name '../etc' is not a Kubernetes object name; " + fix},
        {"a/b", "VM name 'a/b' is not a Kubernetes object name; " + fix},
        {"Web", "VM name 'Web' is not a Kubernetes object name; " + fix},
        {"web\nx", "VM name 'web\\nx' is not a Kubernetes object name; " + fix},
        {std::string(234, 'a') + "b",
         "VM name is 235 characters long: virt-launcher-NAME.service would exceed systemd's 255 characters for a "
         "unit name; shorten the VM's name to at most 233 characters"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(error_of([&] { unit_files(c.name, UnitFlavor::Quadlet); }) == c.error);
    }
    CHECK_NOTHROW(unit_files(std::string(233, 'a'), UnitFlavor::Plain));
}
