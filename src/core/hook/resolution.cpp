// SPDX-License-Identifier: Apache-2.0
#include "core/hook/resolution.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

bool iequals(std::string_view a, std::string_view b) { return text::to_lower(a) == text::to_lower(b); }

std::uint32_t selector_ids(const std::string& selector) {
    auto vendor = text::parse_u64(selector.substr(0, 4), 16).value_or(0);
    auto device = text::parse_u64(selector.substr(5, 4), 16).value_or(0);
    return static_cast<std::uint32_t>(vendor << 16 | device);
}

std::string configured_names(const HookConfig& config) {
    std::vector<std::string> names;
    auto add = [&](const std::string& n) {
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    };
    for (const auto& s : config.pci_host_devices) add(s.resource_name);
    for (const auto& s : config.mediated_devices) add(s.resource_name);
    return names.empty() ? std::string("none") : text::join(names, ", ");
}

}  // namespace

std::string Resolution::describe() const {
    if (from_config) {
        std::vector<std::string> parts;
        for (const auto& s : pci) parts.push_back("pciVendorSelector " + s.vendor_selector);
        for (const auto& s : mediated) parts.push_back("mdevNameSelector " + text::quoted(s.name_selector));
        return text::join(parts, ", ");
    }
    if (vendor == GpuVendor::Nvidia && !model.empty()) return "NVIDIA devices named " + model + " (vendor table)";
    if (vendor == GpuVendor::Other) return "any GPU on vfio-pci, amdgpu, i915 or xe (vendor table)";
    return "any " + std::string(vendor_label(vendor)) + " GPU (vendor table)";
}

Resolution resolve(const DeviceRequest& request, const HookConfig& config) {
    Resolution r;
    r.resource = request.device_name;
    r.hostdev = request.list == RequestList::HostDevices;
    std::string where = request.where + "/deviceName";
    if (config.has_permitted_host_devices) {
        r.from_config = true;
        for (const auto& s : config.pci_host_devices)
            if (s.resource_name == r.resource) r.pci.push_back(s);
        for (const auto& s : config.mediated_devices)
            if (s.resource_name == r.resource) r.mediated.push_back(s);
        if (!r.pci.empty() || !r.mediated.empty()) return r;
        auto& usb = config.usb_resource_names;
        if (std::find(usb.begin(), usb.end(), r.resource) != usb.end())
            throw Error(text::quoted(r.resource) + " is a USB resource (permittedHostDevices.usb); the hook passes "
                        "through PCI devices only", where, "remove the entry or attach the USB device another way");
        std::string hint;
        for (const auto& s : config.pci_host_devices)
            if (iequals(s.resource_name, r.resource)) hint = " (did you mean " + text::quoted(s.resource_name) + "?)";
        throw Error("no permittedHostDevices entry has resourceName " + text::quoted(r.resource) + hint +
                        "; configured: " + configured_names(config),
                    where,
                    "use one of the configured names, or add a pciHostDevices or mediatedDevices entry for it to " +
                        (config.source.empty() ? std::string("the hook configuration") : config.source));
    }
    r.vendor = gpu_vendor_of(r.resource);
    if (r.vendor == GpuVendor::Nvidia) {
        std::string model = r.resource.substr(r.resource.find('/') + 1);
        if (!iequals(model, "gpu")) r.model = model;
    }
    if (r.vendor == GpuVendor::Other && r.hostdev)
        throw Error(text::quoted(r.resource) + " names no GPU vendor and the hook configuration has no "
                        "permittedHostDevices to say which host devices it stands for",
                    where,
                    "add permittedHostDevices (KubeVirt's format: pciHostDevices with pciVendorSelector and "
                    "resourceName) to " +
                        (config.source.empty() ? std::string("the hook configuration") : config.source));
    return r;
}

void add_to_query(const Resolution& r, InventoryQuery& query) {
    if (r.from_config) {
        if (!r.pci.empty()) query.pci = true;
        for (const auto& s : r.pci) query.ids.insert(selector_ids(s.vendor_selector));
        if (!r.mediated.empty()) query.mediated = true;
        return;
    }
    query.pci = true;
    if (r.vendor == GpuVendor::Other) {
        query.any_display = true;
        return;
    }
    query.vendors.insert(vendor_pci_id(r.vendor));
    if (!r.model.empty()) {
        query.names = true;     // NVIDIA names its resources after pci.ids
        query.mediated = true;  // and its vGPU resources after mdev types
    }
}

std::string nvidia_resource_of(const PciFunction& f) {
    if (!f.name.empty()) return "nvidia.com/" + nvidia_model_name(f.name);
    return "nvidia.com/" + text::hex(f.device, 4);
}

bool function_matches(const Resolution& r, const PciFunction& f) {
    if (r.from_config) {
        std::string ids = f.ids();
        return std::any_of(r.pci.begin(), r.pci.end(), [&](const auto& s) { return s.vendor_selector == ids; });
    }
    if (!f.is_display()) return false;
    // Any GPU virt-launcher can attach, and those on a DRM host driver, which
    // the hook refuses with how to bind them (--mount-devices gives their nodes).
    if (r.vendor == GpuVendor::Other) return f.driver == kVfioDriver || is_drm_gpu_driver(f.driver);
    if (f.vendor != vendor_pci_id(r.vendor)) return false;
    if (r.vendor == GpuVendor::Nvidia && !r.model.empty())
        return iequals(nvidia_resource_of(f), "nvidia.com/" + r.model);
    return true;
}

bool mdev_matches(const Resolution& r, const MediatedDevice& m) {
    std::string key = mdev_type_key(m.type_name);
    if (r.from_config)
        return std::any_of(r.mediated.begin(), r.mediated.end(),
                           [&](const auto& s) { return mdev_type_key(s.name_selector) == key; });
    return r.vendor == GpuVendor::Nvidia && !r.model.empty() && iequals(key, r.model);
}

}  // namespace kvpod::hook
