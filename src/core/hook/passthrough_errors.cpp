// SPDX-License-Identifier: Apache-2.0
#include "core/hook/passthrough_errors.hpp"

#include <algorithm>
#include <vector>

#include "core/hook/resource_names.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

constexpr std::size_t kListMax = 4;

/// "a, b, c and 2 more"
std::string bounded_list(const std::vector<std::string>& items) {
    std::vector<std::string> shown(items.begin(), items.begin() + static_cast<long>(std::min(items.size(), kListMax)));
    std::string out = text::join(shown, ", ");
    if (items.size() > kListMax) out += " and " + std::to_string(items.size() - kListMax) + " more";
    return out;
}

std::string on_driver(const PciFunction& f) { return f.driver.empty() ? std::string("no driver") : f.driver; }

std::string hex16(unsigned v) { return text::hex(v, 4); }

std::string pci_what_exists(const Resolution& r, const HostInventory& inv) {
    std::vector<std::string> parts;
    std::set<std::string> vendors;
    for (const auto& s : r.pci) vendors.insert(s.vendor_selector.substr(0, 4));
    for (const auto& vendor : vendors) {
        std::vector<std::string> same;
        for (const auto& f : inv.functions)
            if (hex16(f.vendor) == vendor) same.push_back(f.bdf() + " " + f.ids() + " (" + on_driver(f) + ")");
        parts.push_back(same.empty() ? "the host has no device of vendor " + vendor
                                     : "devices of vendor " + vendor + ": " + bounded_list(same));
    }
    return text::join(parts, "; ");
}

std::string mdev_what_exists(const HostInventory& inv) {
    std::vector<std::string> existing;
    for (const auto& m : inv.mdevs) existing.push_back(text::quoted(m.type_name) + " " + m.uuid);
    std::vector<std::string> creatable;
    for (const auto& t : inv.mdev_types) {
        std::string item = text::quoted(t.name) + " on " + t.parent + " (" + t.id;
        if (t.available) item += ", " + std::to_string(*t.available) + " available";
        creatable.push_back(item + ")");
    }
    std::string out = existing.empty() ? "the host has no mediated devices" : "mediated devices: " + bounded_list(existing);
    if (!creatable.empty()) out += "; types the host can create: " + bounded_list(creatable);
    return out;
}

/// The GPUs the no-match message lists for a vendor-table name.
bool listed_gpu(const Resolution& r, const PciFunction& f) {
    if (!f.is_display()) return false;
    return r.vendor != GpuVendor::Nvidia || f.vendor == vendor_pci_id(GpuVendor::Nvidia);
}

/// The first listed GPU, when none of them is on vfio-pci.
const PciFunction* first_listed_off_vfio(const Resolution& r, const HostInventory& inv) {
    const PciFunction* first = nullptr;
    for (const auto& f : inv.functions) {
        if (!listed_gpu(r, f)) continue;
        if (f.driver == kVfioDriver) return nullptr;
        if (!first) first = &f;
    }
    return first;
}

std::string gpus_what_exists(const Resolution& r, const HostInventory& inv) {
    std::vector<std::string> gpus;
    for (const auto& f : inv.functions) {
        if (!listed_gpu(r, f)) continue;
        if (r.vendor == GpuVendor::Nvidia) gpus.push_back(nvidia_resource_of(f) + " " + f.bdf() + " (" + on_driver(f) + ")");
        else gpus.push_back(f.bdf() + " " + f.ids() + " (" + on_driver(f) + ")");
    }
    if (gpus.empty()) return "the host has no " + std::string(r.vendor == GpuVendor::Nvidia ? "NVIDIA " : "") + "GPU";
    return std::string(r.vendor == GpuVendor::Nvidia ? "NVIDIA GPUs" : "GPUs") + " on the host: " + bounded_list(gpus);
}

/// What virt-launcher attaches for `request`'s resource, after "attaches":
/// "a GPU only from PCI_RESOURCE_<NAME> (a PCI function on vfio-pci) or
/// MDEV_PCI_RESOURCE_<NAME> (a mediated device), never one on its host driver".
std::string attach_rule(const DeviceRequest& request, const std::string& resource) {
    bool gpu = request.list == RequestList::Gpus;
    return std::string(gpu ? "a GPU" : "a host device") + " only from " + resource_env_name(kPciResourcePrefix, resource) +
           " (a PCI function on vfio-pci) or " + resource_env_name(kMdevResourcePrefix, resource) +
           " (a mediated device), never one on its host driver";
}

}  // namespace

Error no_match_error(const DeviceRequest& request, const Resolution& r, const HostInventory& inv) {
    std::string where = request.where + "/deviceName";
    std::string what = "no host device is " + text::quoted(r.resource) + " (" + r.describe() + "); ";
    if (r.from_config) {
        std::string fix = "check pciVendorSelector against lspci -nn, or bind the device to vfio-pci";
        std::vector<std::string> found;
        if (!r.pci.empty()) found.push_back(pci_what_exists(r, inv));
        if (!r.mediated.empty()) {
            found.push_back(mdev_what_exists(inv));
            auto type = std::find_if(inv.mdev_types.begin(), inv.mdev_types.end(), [&](const MdevType& t) {
                return std::any_of(r.mediated.begin(), r.mediated.end(), [&](const auto& s) {
                    return mdev_type_key(s.name_selector) == mdev_type_key(t.name);
                });
            });
            fix = type != inv.mdev_types.end()
                      ? "create one: echo $(uuidgen) > /sys/class/mdev_bus/" + type->parent + "/mdev_supported_types/" +
                            type->id + "/create"
                      : "create a mediated device of that type (ls /sys/class/mdev_bus/*/mdev_supported_types)";
        }
        return Error(what + text::join(found, "; "), where, fix);
    }
    std::string found = gpus_what_exists(r, inv);
    bool listed = !text::starts_with(found, "the host has no");
    std::string fix = !listed ? "remove the entry, or run the VM on a host that has such a GPU"
                      : r.vendor == GpuVendor::Nvidia && !r.model.empty()
                          ? "use one of the names above, or nvidia.com/gpu for any NVIDIA GPU"
                          : "name one of the GPUs above";
    // A name that matches only helps once the GPU is on vfio-pci.
    if (const PciFunction* gpu = first_listed_off_vfio(r, inv))
        fix += "; virt-launcher attaches a GPU only on vfio-pci: " + vfio_fix(*gpu, inv);
    return Error(what + found, where, fix);
}

Error shortage_error(const DeviceRequest& request, const Resolution& r, const Candidates& c, std::size_t wanted,
                     const std::string& given) {
    std::string what = "the VM asks for " + std::to_string(wanted) + " " + text::quoted(r.resource) + " and the host has " +
                       std::to_string(c.usable.size()) + " usable";
    if (!given.empty()) what += " (given to " + given + ")";
    std::vector<std::string> details;
    std::string fix;
    bool off_vfio = false;
    for (const auto* list : {&c.unusable, &c.busy}) {
        for (const auto& u : *list) {
            details.push_back(u.subject + " " + u.why);
            if (fix.empty()) fix = u.fix;
            off_vfio = off_vfio || u.off_vfio;
        }
    }
    if (!details.empty()) what += ": " + bounded_list(details);
    if (off_vfio) what += "; virt-launcher attaches " + attach_rule(request, r.resource);
    if (fix.empty()) fix = "remove the extra entries, or add devices to the host";
    return Error(what, request.where + "/deviceName", fix);
}

}  // namespace kvpod::hook
