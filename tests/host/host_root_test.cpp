// SPDX-License-Identifier: Apache-2.0
// The rooted host seam itself: what each lookup returns, and what it does
// with a tree that is not what the hook expects (a FIFO or a directory where
// an attribute should be, links that point out of the root).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fake_root.hpp"
#include "test_support.hpp"
#include "host/host_root.hpp"

using kvpod::host::HostRoot;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

namespace {

std::size_t open_descriptors() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

}  // namespace

TEST_CASE("read_text: a file's text, nullopt when missing, bounded") {
    FakeRoot fake;
    fake.file("/sys/bus/pci/devices/0000:01:00.0/vendor", "0x10de\n");
    fake.file("/big", std::string(100, 'x'));
    HostRoot root(fake.path());
    CHECK(root.read_text("/sys/bus/pci/devices/0000:01:00.0/vendor") == "0x10de\n");
    CHECK(root.read_text("/sys/bus/pci/devices/0000:01:00.0/device") == std::nullopt);
    CHECK(root.read_text("/nowhere/at/all") == std::nullopt);
    CHECK(error_of([&] { root.read_text("/big", 64); }) == "/big: file is larger than 64 bytes");
}

TEST_CASE("read_text: a directory or a FIFO where a file should be fails or reads empty, never blocks") {
    FakeRoot fake;
    fake.dir("/sys/bus/pci/devices/0000:01:00.0/vendor");
    fake.dir("/proc");
    std::string fifo = fake.path() + "/proc/devices";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    HostRoot root(fake.path());
    CHECK(error_of([&] { root.read_text("/sys/bus/pci/devices/0000:01:00.0/vendor"); }) ==
          "/sys/bus/pci/devices/0000:01:00.0/vendor: cannot read: Is a directory");
    // No writer: the non-blocking open succeeds and the read sees end of file.
    CHECK(root.read_text("/proc/devices") == "");
}

TEST_CASE("read_text: a character device is read no further than the bound") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FakeRoot fake;
    fake.node("/sys/class/endless", 'c', 1, 5);  // /dev/zero's numbers
    HostRoot root(fake.path());
    CHECK(error_of([&] { root.read_text("/sys/class/endless", 64); }) ==
          "/sys/class/endless: file is larger than 64 bytes");
}

TEST_CASE("list_dir: every name, sorted, across more than one getdents64 buffer") {
    FakeRoot fake;
    std::vector<std::string> expected;
    for (int i = 0; i < 600; ++i) {
        // 64-character names: 600 of them fill the 16 KiB buffer three times over.
        std::string name = std::string(58, 'n') + std::to_string(100000 + i);
        fake.file("/sys/many/" + name, "");
        expected.push_back(name);
    }
    HostRoot root(fake.path());
    CHECK(root.list_dir("/sys/many") == expected);
    CHECK(root.list_dir("/sys/none").empty());
    CHECK(error_of([&] { root.list_dir("/sys/many/" + expected[0]); }) == "<no error>");  // a file: ENOTDIR, empty
    CHECK(root.list_dir("/sys/many/" + expected[0]).empty());
}

TEST_CASE("read_link and exists resolve inside the root, however many directories they visit") {
    FakeRoot fake;
    for (int i = 0; i < 40; ++i) {
        std::string dir = "/sys/bus/pci/devices/0000:" + std::to_string(10 + i) + ":00.0";
        fake.symlink(dir + "/iommu_group", "../../../../kernel/iommu_groups/" + std::to_string(i));
        fake.file(dir + "/vendor", "0x8086\n");
    }
    const std::size_t fds_before = open_descriptors();
    HostRoot root(fake.path());
    // More directories than the seam keeps open: each still answers.
    for (int round = 0; round < 2; ++round)
        for (int i = 0; i < 40; ++i) {
            std::string dir = "/sys/bus/pci/devices/0000:" + std::to_string(10 + i) + ":00.0";
            CHECK(root.read_link(dir + "/iommu_group") == "../../../../kernel/iommu_groups/" + std::to_string(i));
            CHECK(root.exists(dir + "/vendor"));
            CHECK_FALSE(root.exists(dir + "/device"));
            CHECK(root.read_link(dir + "/vendor") == std::nullopt);  // not a link
        }
    CHECK(root.read_link("/sys/nowhere/link") == std::nullopt);
    // The root and at most 16 kept directories, whatever was visited.
    CHECK(open_descriptors() <= fds_before + 17);
}

TEST_CASE("device_node: nodes by stat, never through a link, the same answer from a kept directory") {
    if (!FakeRoot::can_mknod()) {
        MESSAGE("skipped: making device nodes needs root");
        return;
    }
    FakeRoot fake;
    fake.node("/dev/kvm", 'c', 10, 232);
    fake.node("/dev/vhost-net", 'c', 10, 238, 0600);
    fake.node("/dev/vfio/7", 'c', 243, 0);
    fake.symlink("/dev/vfio/8", "7");
    fake.file("/dev/vfio/9", "not a node");
    // A link that climbs out of the root lands on the root's own /dev.
    fake.symlink("/dev/escape", "../../../../dev");
    HostRoot root(fake.path());
    for (int round = 0; round < 2; ++round) {
        auto kvm = root.device_node("/dev/kvm");
        REQUIRE(kvm);
        CHECK(kvm->type == 'c');
        CHECK(kvm->major == 10);
        CHECK(kvm->minor == 232);
        auto vhost = root.device_node("/dev/vhost-net");
        REQUIRE(vhost);
        CHECK(vhost->mode == 0600);
        auto group = root.device_node("/dev/vfio/7");
        REQUIRE(group);
        CHECK(group->major == 243);
        CHECK(root.device_node("/dev/vfio/10") == std::nullopt);
        CHECK(root.device_node("/dev/net/tun") == std::nullopt);  // no /dev/net
        CHECK(error_of([&] { root.device_node("/dev/vfio/8"); }) ==
              "/dev/vfio/8: is a symbolic link, not a device node; device nodes are never followed through links; "
              "fix the host's /dev");
        CHECK(error_of([&] { root.device_node("/dev/vfio/9"); }) ==
              "/dev/vfio/9: is not a device node; recreate it with the kernel's numbers (udevadm trigger)");
        auto escaped = root.device_node("/dev/escape/kvm");
        REQUIRE(escaped);
        CHECK(escaped->minor == 232);
    }
}
