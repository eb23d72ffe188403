// SPDX-License-Identifier: Apache-2.0
// Host discovery against the fake roots of tests/fixtures/roots, read by the
// real libpci.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/hook/host_inventory.hpp"
#include "fixture_root.hpp"
#include "host/device_discovery.hpp"
#include "host/host_root.hpp"

using namespace kvpod::hook;
using kvpod::host::discover_devices;
using kvpod::host::HostRoot;
using kvpod::testing::FakeRoot;
using kvpod::testing::FixtureRoot;

namespace {

InventoryQuery vendor_query(std::uint16_t vendor, bool complete = false) {
    InventoryQuery q;
    q.pci = true;
    q.vendors = {vendor};
    q.complete = complete;
    return q;
}

/// As --mount-devices asks: GPUs on their host drivers too, with their nodes.
InventoryQuery host_gpu_query(std::uint16_t vendor) {
    InventoryQuery q = vendor_query(vendor);
    q.host_gpus = true;
    return q;
}

const PciFunction& function(const HostInventory& inv, const char* bdf) {
    const PciFunction* f = inv.function(*PciAddress::parse(bdf));
    REQUIRE(f);
    return *f;
}

std::vector<std::string> bdfs(const HostInventory& inv) {
    std::vector<std::string> out;
    for (const auto& f : inv.functions) out.push_back(f.bdf());
    return out;
}

std::string node_text(const HostInventory& inv, const std::string& path) {
    const HostNode* n = inv.node(path);
    return n ? describe(*n) : "<none>";
}

}  // namespace

TEST_CASE("a T4 on vfio-pci: IDs, class, driver, IOMMU group and NUMA node through libpci; nodes by stat") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FixtureRoot fixture("nvidia-t4-vfio");
    HostRoot root(fixture.path());
    InventoryQuery q;
    q.pci = true;
    q.ids = {0x10de1eb8};
    auto inv = discover_devices(root, q);
    CHECK(bdfs(inv) == std::vector<std::string>{"0000:3b:00.0"});  // only what the request can use
    const auto& t4 = function(inv, "0000:3b:00.0");
    CHECK(t4.ids() == "10de:1eb8");
    CHECK(t4.device_class == 0x0302);
    CHECK(t4.driver == "vfio-pci");
    CHECK(t4.iommu_group == 42u);
    CHECK(t4.numa_node == 0);
    CHECK_FALSE(t4.pcie_switch);
    CHECK(t4.name.empty());  // names only when asked
    REQUIRE(inv.groups.count(42));
    CHECK(inv.groups.at(42).members.size() == 1);
    CHECK(inv.groups.at(42).members[0].driver == "vfio-pci");
    CHECK(node_text(inv, "/dev/vfio/42") == "c 243:0");
    CHECK(node_text(inv, "/dev/vfio/vfio") == "c 10:196");
    CHECK(inv.char_majors.at("vfio") == 243);
    CHECK(inv.warnings.empty());

    q.names = true;
    q.complete = true;
    auto all = discover_devices(root, q);
    CHECK(bdfs(all) == std::vector<std::string>{"0000:00:1c.0", "0000:03:00.0", "0000:3a:00.0", "0000:3b:00.0"});
    // The name comes from the root's own pci.ids, never udev's hwdb: deterministic.
    CHECK(function(all, "0000:3b:00.0").name == "TU104GL [Tesla T4]");
    CHECK(function(all, "0000:03:00.0").driver == "ast");
    CHECK(all.iommu_enabled == true);
}

TEST_CASE("pci.ids is read where the distribution keeps it: /usr/share/misc, else /usr/share/hwdata") {
    if (!FakeRoot::can_mknod()) return;
    // The H100 host captured for h100-real has no pci.ids at all: no name.
    FixtureRoot fixture("h100-real");
    InventoryQuery q = vendor_query(0x10de, true);  // its GPU is on nvidia: only the complete scan lists it
    q.names = true;
    CHECK(function(discover_devices(HostRoot(fixture.path()), q), "0000:00:06.0").name.empty());
    // Fedora's and RHEL's place (hwdata), with the line of pci.ids 2024 and later.
    const std::string ids = "10de  NVIDIA Corporation\n\t2330  GH100 [H100 SXM5 80GB]\n";
    fixture.fake().file("/usr/share/hwdata/pci.ids", ids);
    CHECK(function(discover_devices(HostRoot(fixture.path()), q), "0000:00:06.0").name == "GH100 [H100 SXM5 80GB]");
    // Debian's place wins when both exist (Debian 12's pci.ids, 2023.04.10, lacks the space).
    fixture.fake().file("/usr/share/misc/pci.ids", "10de  NVIDIA Corporation\n\t2330  GH100[H100 SXM5 80GB]\n");
    CHECK(function(discover_devices(HostRoot(fixture.path()), q), "0000:00:06.0").name == "GH100[H100 SXM5 80GB]");
}

TEST_CASE("discovery on every fake root") {
    if (!FakeRoot::can_mknod()) return;

    SUBCASE("two NVIDIA GPUs on nvidia: the hook's candidates are on vfio-pci; the complete scan finds them") {
        FixtureRoot fixture("nvidia-two-gpus");
        CHECK(discover_devices(HostRoot(fixture.path()), vendor_query(0x10de)).functions.empty());
        auto all = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de, true));
        CHECK(function(all, "0000:65:00.0").driver == "nvidia");
        CHECK_FALSE(function(all, "0000:65:00.0").nvidia_minor);  // the hook gives no host-driver nodes
        CHECK(node_text(all, "/dev/nvidia3") == "<none>");
        // The group of a GPU to bind to vfio-pci, for the fix to name its other functions.
        REQUIRE(all.groups.count(65));
        CHECK(all.groups.at(65).members.size() == 1);
        CHECK(all.groups.at(65).members[0].driver == "nvidia");
    }
    SUBCASE("two NVIDIA GPUs on nvidia, for --mount-devices: minors 0 and 3 from procfs") {
        FixtureRoot fixture("nvidia-two-gpus");
        auto inv = discover_devices(HostRoot(fixture.path()), host_gpu_query(0x10de));
        CHECK(function(inv, "0000:17:00.0").nvidia_minor == 0u);
        CHECK(function(inv, "0000:65:00.0").nvidia_minor == 3u);
        CHECK(node_text(inv, "/dev/nvidia3") == "c 195:3");
        CHECK(node_text(inv, "/dev/nvidia-uvm") == "c 508:0");
        CHECK(inv.char_majors.at("nvidia-uvm") == 508);
    }
    SUBCASE("an AMD GPU, for --mount-devices: its own card1/renderD129 behind its PCIe switch, and /dev/kfd") {
        FixtureRoot fixture("amd-gpu");
        auto inv = discover_devices(HostRoot(fixture.path()), host_gpu_query(0x1002));
        CHECK(bdfs(inv) == std::vector<std::string>{"0000:0c:00.0"});  // the audio function is not on a usable driver
        const auto& gpu = function(inv, "0000:0c:00.0");
        REQUIRE(gpu.drm.size() == 2);
        CHECK(gpu.drm[0].name == "card1");
        CHECK(gpu.drm[0].dev == "226:1");
        CHECK(gpu.drm[1].name == "renderD129");
        CHECK(gpu.drm[1].dev == "226:129");
        REQUIRE(gpu.pcie_switch);
        CHECK(gpu.pcie_switch->str() == "0000:0a:00.0");
        CHECK(node_text(inv, "/dev/kfd") == "c 235:0");
        CHECK(node_text(inv, "/dev/dri/renderD129") == "c 226:129");
        CHECK(node_text(inv, "/dev/dri/card0") == "<none>");  // the BMC's card is not looked at
    }
    SUBCASE("an Intel iGPU on i915 without a NUMA node, for --mount-devices") {
        FixtureRoot fixture("intel-igpu");
        auto inv = discover_devices(HostRoot(fixture.path()), host_gpu_query(0x8086));
        const auto& gpu = function(inv, "0000:00:02.0");
        CHECK(gpu.driver == "i915");
        CHECK(gpu.numa_node == -1);
        CHECK(gpu.drm.size() == 2);
    }
    SUBCASE("a group with a device on another driver") {
        FixtureRoot fixture("group-not-viable");
        auto inv = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de));
        REQUIRE(inv.groups.count(14));
        const auto& members = inv.groups.at(14).members;
        REQUIRE(members.size() == 2);
        CHECK(members[1].bdf == "0000:01:00.1");
        CHECK(members[1].driver == "snd_hda_intel");
    }
    SUBCASE("SR-IOV: 64 VFs with their PF, VFIO cdevs and /dev/iommu") {
        FixtureRoot fixture("sriov-nic-64vfs");
        auto inv = discover_devices(HostRoot(fixture.path()), vendor_query(0x15b3));
        CHECK(inv.functions.size() == 64);  // the PF is on mlx5_core: not a candidate
        const auto& vf = function(inv, "0000:5e:08.1");
        REQUIRE(vf.physfn);
        CHECK(vf.physfn->str() == "0000:5e:00.0");
        CHECK(vf.vfio_cdevs == std::vector<std::string>{"vfio63"});
        CHECK(vf.numa_node == 1);
        CHECK(node_text(inv, "/dev/vfio/devices/vfio63") == "c 507:63");
        CHECK(node_text(inv, "/dev/iommu") == "c 10:123");
        auto all = discover_devices(HostRoot(fixture.path()), vendor_query(0x15b3, true));
        CHECK(function(all, "0000:5e:00.0").sriov_totalvfs == 64);
        CHECK(function(all, "0000:5e:00.0").driver == "mlx5_core");
    }
    SUBCASE("a mediated device and the types its parent offers") {
        FixtureRoot fixture("grid-t4-mdev");
        InventoryQuery q;
        q.mediated = true;
        q.complete = true;
        auto inv = discover_devices(HostRoot(fixture.path()), q);
        REQUIRE(inv.mdevs.size() == 1);
        const auto& m = inv.mdevs[0];
        CHECK(m.uuid == "3e6f8a8c-5b5a-4d7e-9d34-2f6d3c9b2a11");
        CHECK(m.type_id == "nvidia-222");
        CHECK(m.type_name == "GRID T4-1Q");
        CHECK(m.parent == "0000:3b:00.0");
        CHECK(m.iommu_group == 100u);
        CHECK(m.numa_node == 0);
        CHECK(node_text(inv, "/dev/vfio/100") == "c 243:1");
        REQUIRE(inv.mdev_types.size() == 2);
        CHECK(inv.mdev_types[1].name == "GRID T4-2Q");
        CHECK(inv.mdev_types[1].available == 8u);
    }
    SUBCASE("MIG, for --mount-devices: GPU instances from procfs, cap minors from mig-minors") {
        FixtureRoot fixture("nvidia-a100-mig");
        auto inv = discover_devices(HostRoot(fixture.path()), host_gpu_query(0x10de));
        const auto& a100 = function(inv, "0000:41:00.0");
        REQUIRE(a100.mig.size() == 3);
        CHECK(a100.mig[0].gi == 1);
        CHECK(a100.mig[0].access_minor == 12u);
        CHECK(a100.mig[0].compute.at(0) == 13u);
        CHECK(a100.mig[1].access_minor == 21u);
        CHECK(a100.mig[2].gi == 5);
        CHECK(a100.mig[2].compute.empty());
        CHECK(node_text(inv, "/dev/nvidia-caps/nvidia-cap22") == "c 509:22");
    }
    SUBCASE("IOMMU off: no candidates; the complete scan says why") {
        FixtureRoot fixture("iommu-off");
        auto candidates = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de));
        CHECK(candidates.functions.empty());
        auto all = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de, true));
        const auto& t4 = function(all, "0000:3b:00.0");
        CHECK(t4.driver.empty());
        CHECK_FALSE(t4.iommu_group);
        CHECK(all.iommu_enabled == false);
    }
}

TEST_CASE("libpci's errors neither end the process nor hide the other devices") {
    if (!FakeRoot::can_mknod()) return;
    FixtureRoot fixture("numa-topology");
    // A function whose mandatory sysfs attribute vanished (a device going away).
    std::filesystem::remove(fixture.path() + "/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0/0000:82:08.0/0000:83:00.0/vendor");
    // A broken pci.ids: libpci reports a parse error through its error handler.
    fixture.fake().file("/usr/share/misc/pci.ids", "10de  NVIDIA Corporation\n\tzzzz  broken\n");
    auto q = vendor_query(0x10de);
    q.names = true;
    auto inv = discover_devices(HostRoot(fixture.path()), q);
    CHECK(bdfs(inv) == std::vector<std::string>{"0000:1b:00.0", "0000:84:00.0", "0000:af:00.0"});
    CHECK(function(inv, "0000:1b:00.0").name.empty());
    auto warned = [&](const std::string& text) {
        return std::any_of(inv.warnings.begin(), inv.warnings.end(),
                           [&](const std::string& w) { return w.find(text) != std::string::npos; });
    };
    CHECK(warned("/sys/bus/pci/devices/0000:83:00.0/vendor: No such file or directory (0000:83:00.0 skipped)"));
    CHECK(warned("libpci: Parse error at " + fixture.path() + "/usr/share/misc/pci.ids, line 2"));
}

TEST_CASE("a node that is not a device node concerns only the device that needs it") {
    if (!FakeRoot::can_mknod()) return;
    FixtureRoot fixture("numa-topology");
    std::filesystem::remove(fixture.path() + "/dev/vfio/20");
    fixture.fake().symlink("/dev/vfio/20", "/dev/null");
    auto inv = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de));
    CHECK(inv.node_problems.at("/dev/vfio/20") == "is a symbolic link, not a device node");
    CHECK(node_text(inv, "/dev/vfio/21") == "c 243:2");
}

TEST_CASE("without names the candidates' IDs come from sysfs text, exactly as libpci reads them") {
    if (!FakeRoot::can_mknod()) return;
    for (const char* name : {"nvidia-t4-vfio", "nvidia-two-gpus", "numa-topology", "intel-igpu", "amd-gpu",
                             "sriov-nic-64vfs", "grid-t4-mdev", "nvidia-a100-mig", "group-not-viable"}) {
        CAPTURE(name);
        FixtureRoot fixture(name);
        InventoryQuery q;
        q.pci = true;
        q.any_display = true;
        q.host_gpus = true;  // the roots with GPUs on their host drivers have nothing on vfio-pci
        q.vendors = {0x10de, 0x1002, 0x8086, 0x15b3};
        auto from_sysfs = discover_devices(HostRoot(fixture.path()), q);
        q.names = true;  // names need libpci, which then reads the IDs too
        auto from_libpci = discover_devices(HostRoot(fixture.path()), q);
        CHECK(bdfs(from_sysfs) == bdfs(from_libpci));
        CHECK_FALSE(from_sysfs.functions.empty());
        for (std::size_t i = 0; i < std::min(from_sysfs.functions.size(), from_libpci.functions.size()); ++i) {
            const auto& a = from_sysfs.functions[i];
            const auto& b = from_libpci.functions[i];
            CAPTURE(a.bdf());
            CHECK(a.vendor == b.vendor);
            CHECK(a.device == b.device);
            CHECK(a.device_class == b.device_class);
            CHECK(a.numa_node == b.numa_node);
            CHECK(a.driver == b.driver);
            CHECK(a.iommu_group == b.iommu_group);
            CHECK(a.name.empty());
        }
    }
}

TEST_CASE("without names a function whose sysfs IDs are unreadable is skipped with a warning") {
    if (!FakeRoot::can_mknod()) return;
    FixtureRoot fixture("numa-topology");
    const std::string dev = "/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0/0000:82:08.0/0000:83:00.0";
    std::filesystem::remove(fixture.path() + dev + "/vendor");
    std::filesystem::remove(fixture.path() + "/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0/0000:82:10.0/0000:84:00.0/class");
    fixture.fake().file("/sys/devices/pci0000:80/0000:80:01.0/0000:81:00.0/0000:82:10.0/0000:84:00.0/class", "VGA\n");
    auto inv = discover_devices(HostRoot(fixture.path()), vendor_query(0x10de));
    CHECK(bdfs(inv) == std::vector<std::string>{"0000:1b:00.0", "0000:af:00.0"});
    CHECK(inv.warnings == std::vector<std::string>{
                              "sysfs: /sys/bus/pci/devices/0000:83:00.0/vendor: No such file or directory (0000:83:00.0 skipped)",
                              "sysfs: /sys/bus/pci/devices/0000:84:00.0/class: not a number: 'VGA' (0000:84:00.0 skipped)"});
}
