// SPDX-License-Identifier: Apache-2.0
// Which unit is installed for a VM (host/installed_unit.hpp), in a fake root.
#include <doctest/doctest.h>

#include <string>

#include "fake_root.hpp"
#include "test_support.hpp"
#include "host/installed_unit.hpp"

using namespace kvpod;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

TEST_CASE("installed_unit: none, the plain unit, the Quadlet file, both") {
    FakeRoot fake;
    CHECK(host::installed_unit(fake.path(), "web") == std::nullopt);

    // A Pod YAML alone is no unit.
    fake.file("/etc/containers/systemd/virt-launcher-web.yaml", "kind: Pod\n");
    fake.file("/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml", "kind: Pod\n");
    CHECK(host::installed_unit(fake.path(), "web") == std::nullopt);

    fake.file("/etc/systemd/system/virt-launcher-web.service", "[Service]\n");
    auto plain = host::installed_unit(fake.path(), "web");
    REQUIRE(plain);
    CHECK(plain->flavor == kubevirt::UnitFlavor::Plain);
    CHECK(plain->unit == "/etc/systemd/system/virt-launcher-web.service");
    CHECK(plain->pod_yaml == "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml");
    CHECK(plain->service == "virt-launcher-web.service");

    // A symlinked unit (systemctl link) counts, even one pointing out of the root.
    fake.symlink("/etc/containers/systemd/virt-launcher-web.kube", "/nowhere/web.kube");
    auto quadlet = host::installed_unit(fake.path(), "web");
    REQUIRE(quadlet);
    CHECK(quadlet->flavor == kubevirt::UnitFlavor::Quadlet);
    CHECK(quadlet->unit == "/etc/containers/systemd/virt-launcher-web.kube");
    CHECK(quadlet->pod_yaml == "/etc/containers/systemd/virt-launcher-web.yaml");
    CHECK(quadlet->service == "virt-launcher-web.service");

    // Another VM's files are not this one's.
    CHECK(host::installed_unit(fake.path(), "we") == std::nullopt);
}

TEST_CASE("installed_unit: a name that cannot be a unit fails before the root is looked at") {
    CHECK(error_of([] { host::installed_unit(std::string("/nonexistent-root"), "../x"); }) ==
          "VM name '../x' is not a Kubernetes object name; give the VM's metadata.name: a-z, 0-9, '-' and '.', "
          "starting and ending with a letter or digit");
}

TEST_CASE("installed_unit_vms: the VMs with a unit of either flavor, sorted, once each") {
    FakeRoot fake;
    host::HostRoot empty(fake.path());
    CHECK(host::installed_unit_vms(empty).empty());

    fake.file("/etc/containers/systemd/virt-launcher-web.kube", "[Kube]\n");
    fake.file("/etc/containers/systemd/virt-launcher-web.yaml", "kind: Pod\n");
    fake.file("/etc/systemd/system/virt-launcher-db.service", "[Service]\n");
    // Both flavors of one VM (an install --force of the other flavor removes one): listed once.
    fake.file("/etc/systemd/system/virt-launcher-web.service", "[Service]\n");
    // Not a VM's unit: a Pod alone, another prefix or suffix, a name no VM can have, the boot link's directory.
    fake.file("/etc/kubevirt-vm-to-pod/pods/virt-launcher-cache.yaml", "kind: Pod\n");
    fake.file("/etc/systemd/system/virt-launcher-.service", "[Service]\n");
    fake.file("/etc/systemd/system/virt-launcher-Bad_Name.service", "[Service]\n");
    fake.file("/etc/systemd/system/sshd.service", "[Service]\n");
    fake.file("/etc/containers/systemd/virt-launcher-app.container", "[Container]\n");
    fake.symlink("/etc/systemd/system/multi-user.target.wants/virt-launcher-db.service",
                 "/etc/systemd/system/virt-launcher-db.service");
    host::HostRoot root(fake.path());
    CHECK(host::installed_unit_vms(root) == std::vector<std::string>{"db", "web"});
}
