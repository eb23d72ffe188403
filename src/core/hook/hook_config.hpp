// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/hook/passthrough_policy.hpp"

/// The hook's own configuration file (YAML), written by the host's admin.
/// It is the only input the hook trusts besides the host itself.
namespace kvpod::hook {

/// KubeVirt's permittedHostDevices.pciHostDevices[] entry.
struct PciHostDeviceSelector {
    std::string vendor_selector;  ///< "10de:1eb8", lower-cased
    std::string resource_name;    ///< "nvidia.com/TU104GL_Tesla_T4"
    bool external_resource_provider = false;
};

/// KubeVirt's permittedHostDevices.mediatedDevices[] entry.
struct MediatedDeviceSelector {
    std::string name_selector;  ///< "GRID T4-1Q"
    std::string resource_name;  ///< "nvidia.com/GRID_T4-1Q"
    bool external_resource_provider = false;
};

struct HookConfig {
    /// Start a VM whose host lacks /dev/kvm (QEMU then emulates the CPU).
    bool allow_emulation = false;

    /// permittedHostDevices, in KubeVirt's own format so an admin can paste
    /// the KubeVirt CR's section. `has_permitted_host_devices` tells an empty
    /// list (nothing permitted) from no list at all.
    bool has_permitted_host_devices = false;
    std::vector<PciHostDeviceSelector> pci_host_devices;
    std::vector<MediatedDeviceSelector> mediated_devices;
    /// permittedHostDevices.usb[].resourceName: loaded so a pasted CR works,
    /// refused when a VM asks for one (USB is not VFIO passthrough).
    std::vector<std::string> usb_resource_names;

    /// Who may get GPUs and PCI devices at all (key `passthrough`).
    PassthroughPolicy passthrough;

    /// Where the configuration came from, for messages ("" for the defaults).
    std::string source;

    /// Bounds on what the container's author controls.
    document::Limits config_limits{8 * 1024 * 1024, 64, 2'000'000, false};
    document::Limits spec_limits{1024 * 1024, 64, 200'000, true};

    /// Where device allocations are kept (a tmpfs, so they vanish at reboot).
    std::string state_dir = "/run/oci-kubevirt-hook";

    /// Seconds after which the hook gives up (below the hooks.d timeout).
    unsigned deadline_seconds = 8;
};

/// Parses the configuration document. Unknown keys are errors: a typo in the
/// admin's policy must not silently fall back to a default.
HookConfig parse_hook_config(const document::Json& doc, std::string_view source);

}  // namespace kvpod::hook
