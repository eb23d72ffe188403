// SPDX-License-Identifier: Apache-2.0
// install_unit / uninstall_unit (host/unit_install.hpp) in a fake root: what
// is written where, nothing overwritten without --force, exact errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fake_root.hpp"
#include "test_support.hpp"
#include "host/installed_unit.hpp"
#include "host/files.hpp"
#include "host/unit_install.hpp"

using namespace kvpod;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;
using Paths = std::vector<std::string>;

namespace {

host::UnitInstall plain_install(const std::string& unit_text) {
    auto files = kubevirt::unit_files("web", kubevirt::UnitFlavor::Plain);
    return {"web", files, "kind: Pod\n", unit_text, "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service"};
}

host::UnitInstall quadlet_install() {
    return {"web", kubevirt::unit_files("web", kubevirt::UnitFlavor::Quadlet), "kind: Pod\n", "[Kube]\n", ""};
}

std::string slurp(const std::string& path) {
    auto text = host::read_file(path, 1 << 20, true);
    return text ? *text : "<missing>";
}

}  // namespace

TEST_CASE("install writes the Pod, the unit and the boot link; uninstall removes them") {
    FakeRoot fake;
    const std::string r = fake.path();
    auto written = host::install_unit(r, plain_install("[Service]\n"), false);
    CHECK(written == Paths{"/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml",
                           "/etc/systemd/system/virt-launcher-web.service",
                           "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service"});
    CHECK(slurp(r + "/etc/systemd/system/virt-launcher-web.service") == "[Service]\n");
    CHECK(slurp(r + "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml") == "kind: Pod\n");
    CHECK(std::filesystem::read_symlink(r + "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service") ==
          "/etc/systemd/system/virt-launcher-web.service");
    CHECK((std::filesystem::status(r + "/etc/systemd/system/virt-launcher-web.service").permissions() &
           std::filesystem::perms::all) == std::filesystem::perms(0644));
    // No temporary file is left beside them.
    CHECK(std::distance(std::filesystem::directory_iterator(r + "/etc/systemd/system"),
                        std::filesystem::directory_iterator()) == 2);
    REQUIRE(host::installed_unit(r, "web"));
    CHECK(host::installed_unit(r, "web")->flavor == kubevirt::UnitFlavor::Plain);

    CHECK(host::uninstall_unit(r, "web") ==
          Paths{"/etc/systemd/system/virt-launcher-web.service",
                "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service",
                "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml"});
    CHECK(host::installed_unit(r, "web") == std::nullopt);
    CHECK(error_of([&] { host::uninstall_unit(r, "web"); }) ==
          r + ": no unit of VM web is installed; install looks for "
          "/etc/containers/systemd/virt-launcher-web.kube and /etc/systemd/system/virt-launcher-web.service; "
          "kubevirt-vm-to-pod install VM.yaml installs one");
}

TEST_CASE("nothing is overwritten without force; force replaces and drops the other flavor") {
    FakeRoot fake;
    const std::string r = fake.path();
    host::install_unit(r, plain_install("[Service]\nold\n"), false);
    CHECK(error_of([&] { host::install_unit(r, plain_install("[Service]\nnew\n"), false); }) ==
          r + "/etc/systemd/system/virt-launcher-web.service: exists: a unit of VM web is installed; "
          "kubevirt-vm-to-pod uninstall web removes it; --force replaces it");
    CHECK(slurp(r + "/etc/systemd/system/virt-launcher-web.service") == "[Service]\nold\n");
    // A Pod YAML alone (say, hand-made) is not overwritten either.
    FakeRoot other;
    other.file("/etc/containers/systemd/virt-launcher-web.yaml", "mine\n");
    CHECK(error_of([&] { host::install_unit(other.path(), quadlet_install(), false); }) ==
          other.path() + "/etc/containers/systemd/virt-launcher-web.yaml: exists: a unit of VM web is "
          "installed; kubevirt-vm-to-pod uninstall web removes it; --force replaces it");
    CHECK(slurp(other.path() + "/etc/containers/systemd/virt-launcher-web.yaml") == "mine\n");

    auto written = host::install_unit(r, quadlet_install(), true);
    CHECK(written == Paths{"/etc/containers/systemd/virt-launcher-web.yaml", "/etc/containers/systemd/virt-launcher-web.kube"});
    for (const char* gone : {"/etc/systemd/system/virt-launcher-web.service",
                             "/etc/systemd/system/multi-user.target.wants/virt-launcher-web.service",
                             "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml"}) {
        CAPTURE(gone);
        CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(r + gone)));
    }
    CHECK(host::installed_unit(r, "web")->flavor == kubevirt::UnitFlavor::Quadlet);
}

TEST_CASE("a directory that cannot be written fails naming it, and leaves no Pod without its unit") {
    if (::geteuid() == 0) {
        MESSAGE("skipped: root writes through permissions");
        return;
    }
    FakeRoot fake;
    fake.dir("/etc/systemd/system").dir("/etc/kubevirt-vm-to-pod/pods");
    std::filesystem::permissions(fake.path() + "/etc/systemd/system", std::filesystem::perms(0555));
    CHECK(error_of([&] { host::install_unit(fake.path(), plain_install("x"), false); }) ==
          fake.path() + "/etc/systemd/system/virt-launcher-web.service: cannot create a file beside it: "
          "Permission denied");
    CHECK_FALSE(std::filesystem::exists(fake.path() + "/etc/kubevirt-vm-to-pod/pods/virt-launcher-web.yaml"));
    std::filesystem::permissions(fake.path() + "/etc/systemd/system", std::filesystem::perms(0755));
}
