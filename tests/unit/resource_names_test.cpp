// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/hook/host_text.hpp"
#include "core/hook/pci_address.hpp"
#include "core/hook/resource_names.hpp"

using namespace kvpod::hook;

TEST_CASE("resource names: what a deviceName may be, and why not") {
    struct Case {
        std::string name;
        std::optional<std::string> problem;
    };
    const std::vector<Case> cases = {
        {"nvidia.com/TU104GL_Tesla_T4", std::nullopt},
        {"nvidia.com/GRID_T4-1Q", std::nullopt},
        {"nvidia.com/gpu", std::nullopt},
        {"gpu.intel.com/i915", std::nullopt},
        {"kubevirt.io/storage", std::nullopt},
        {"mellanox.com/cx5_vf", std::nullopt},
        {"a/b", std::nullopt},
        {"", "it is empty"},
        {"/dev/sda", "it starts with '/', like a path"},
        {"/dev/vfio/42", "it starts with '/', like a path"},
        {"../../dev/sda", "it has more than one '/'"},
        {"nvidia.com/../x", "it has more than one '/'"},
        {"nvidia.com", "it has no '/' between a domain and a name"},
        {"..", "it has no '/' between a domain and a name"},
        {"../sda", "the domain '..' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"},
        {"NVIDIA.com/x", "the domain 'NVIDIA.com' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"},
        {"-bad.com/x", "the domain '-bad.com' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"},
        {"a..b/x", "the domain 'a..b' is not a DNS subdomain (lower-case letters, digits, '-' and '.')"},
        {"nvidia.com/", "the name '' is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit"},
        {"nvidia.com/..", "the name '..' is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit"},
        {"nvidia.com/a b", "the name 'a b' is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit"},
        {"nvidia.com/x\n", "the name 'x\\n' is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit"},
        {"nvidia.com/" + std::string(64, 'a'),
         "the name '" + std::string(64, 'a') + "' is not 1-63 letters, digits, '-', '_' or '.' starting and ending with a letter or digit"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(resource_name_problem(c.name) == c.problem);
    }
}

TEST_CASE("env variable names follow KubeVirt's ResourceNameToEnvVar") {
    CHECK(resource_env_name(kPciResourcePrefix, "nvidia.com/TU104GL_Tesla_T4") == "PCI_RESOURCE_NVIDIA_COM_TU104GL_TESLA_T4");
    CHECK(resource_env_name(kMdevResourcePrefix, "nvidia.com/GRID_T4-1Q") == "MDEV_PCI_RESOURCE_NVIDIA_COM_GRID_T4-1Q");
    CHECK(resource_env_name(kPciResourcePrefix, "gpu.intel.com/i915") == "PCI_RESOURCE_GPU_INTEL_COM_I915");
}

TEST_CASE("NVIDIA's device plugin names resources after pci.ids") {
    struct Case {
        const char* pci_ids;
        const char* model;
    };
    const std::vector<Case> cases = {
        {"TU104GL [Tesla T4]", "TU104GL_TESLA_T4"},
        {"GA100 [A100 PCIe 40GB]", "GA100_A100_PCIE_40GB"},
        {"GP102GL [Tesla P40]", "GP102GL_TESLA_P40"},
        {"GV100GL [Tesla V100 SXM2 16GB]", "GV100GL_TESLA_V100_SXM2_16GB"},
        {"TU102 [GeForce RTX 2080 Ti Rev. A]", "TU102_GEFORCE_RTX_2080_TI_REV__A"},
        {"GA102GL [RTX A6000/A40]", "GA102GL_RTX_A6000_A40"},
        {"  AD102 [GeForce RTX 4090]\n", "AD102_GEFORCE_RTX_4090"},
        {"GK104  (dual\tspace)", "GK104_DUAL_SPACE"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pci_ids);
        CHECK(nvidia_model_name(c.pci_ids) == c.model);
    }
}

TEST_CASE("mdev type names compare as KubeVirt compares them") {
    CHECK(mdev_type_key("GRID T4-1Q") == "GRID_T4-1Q");
    CHECK(mdev_type_key("GRID T4-1Q\n") == "GRID_T4-1Q");
    CHECK(mdev_type_key("nvidia-222") == "nvidia-222");
}

TEST_CASE("GPU-SUPPORT.md's vendor table") {
    struct Case {
        const char* name;
        GpuVendor vendor;
    };
    const std::vector<Case> cases = {
        {"nvidia.com/GPU", GpuVendor::Nvidia},       {"nvidia.com/TESLA_P40", GpuVendor::Nvidia},
        {"amd.com/gpu", GpuVendor::Amd},             {"example.com/radeon-pro", GpuVendor::Amd},
        {"gpu.intel.com/i915", GpuVendor::Intel},    {"example.com/gpu", GpuVendor::Other},
        {"kubevirt.io/storage", GpuVendor::Other},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(gpu_vendor_of(c.name) == c.vendor);
    }
    CHECK(vendor_pci_id(GpuVendor::Nvidia) == 0x10de);
    CHECK(vendor_pci_id(GpuVendor::Amd) == 0x1002);
    CHECK(vendor_pci_id(GpuVendor::Intel) == 0x8086);
}

TEST_CASE("PCI addresses parse strictly and order numerically") {
    auto a = PciAddress::parse("0000:3b:00.0");
    REQUIRE(a);
    CHECK(a->str() == "0000:3b:00.0");
    CHECK(PciAddress::parse("0000:3B:1f.7")->str() == "0000:3b:1f.7");
    CHECK(PciAddress::parse("10000:00:00.0")->str() == "10000:00:00.0");
    for (const char* bad : {"", "3b:00.0", "0000:3b:00", "0000:3b:20.0", "0000:3b:00.8", "0000:3b:00.0 ", "0000:+3:00.0",
                            "../../../etc", "0000:3b:00.0/x", "vfio0"}) {
        CAPTURE(bad);
        CHECK_FALSE(PciAddress::parse(bad));
    }
    CHECK(*PciAddress::parse("0000:ff:00.0") < *PciAddress::parse("10000:00:00.0"));
    CHECK(*PciAddress::parse("0000:3b:00.0") < *PciAddress::parse("0000:3b:00.1"));
}

TEST_CASE("procfs and sysfs text") {
    std::string devices = "Character devices:\n  1 mem\n 10 misc\n195 nvidia\n508 nvidia-uvm\n509 nvidia-caps\n243 vfio\n\n"
                          "Block devices:\n  8 sd\n259 blkext\n";
    auto majors = parse_proc_devices(devices);
    CHECK(majors.at("nvidia") == 195);
    CHECK(majors.at("nvidia-uvm") == 508);
    CHECK(majors.at("vfio") == 243);
    CHECK(majors.count("sd") == 0);  // block majors are not character majors

    CHECK(parse_nvidia_device_minor("Model: \t\t Tesla T4\nBus Location: \t 0000:65:00.0\nDevice Minor: \t 3\n") == 3u);
    CHECK(parse_nvidia_device_minor("Model: Tesla T4\n") == std::nullopt);
    CHECK(parse_nvidia_device_minor("Device Minor: x\n") == std::nullopt);

    auto minors = parse_mig_minors("config 1\nmonitor 2\ngpu0/gi1/access 12\ngpu0/gi1/ci0/access 13\nbroken\n");
    CHECK(minors.size() == 4);
    CHECK(minors.at("gpu0/gi1/ci0/access") == 13u);

    CHECK(parse_sysfs_number("0x10de\n") == 0x10de);
    CHECK(parse_sysfs_number("-1\n") == -1);
    CHECK(parse_sysfs_number("64\n") == 64);
    CHECK(parse_sysfs_number("zz") == std::nullopt);
    CHECK(parse_dev_numbers("226:129\n") == std::pair<std::int64_t, std::int64_t>(226, 129));
    CHECK(parse_dev_numbers("226") == std::nullopt);
}
