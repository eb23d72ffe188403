// SPDX-License-Identifier: Apache-2.0
#include "host/gpu_discovery.hpp"

#include <algorithm>

#include "core/hook/host_text.hpp"
#include "core/text.hpp"

namespace kvpod::host {
namespace {

/// "gi3" → 3
std::optional<unsigned> numbered(const std::string& name, std::string_view prefix) {
    if (!text::starts_with(name, prefix)) return std::nullopt;
    auto n = text::parse_u64(std::string_view(name).substr(prefix.size()));
    if (!n || *n > 1024) return std::nullopt;
    return static_cast<unsigned>(*n);
}

void read_mig(const HostRoot& root, hook::PciFunction& f) {
    // Instances that exist appear here; mig-minors lists every possible one.
    std::string dir = "/proc/driver/nvidia/capabilities/gpu" + std::to_string(*f.nvidia_minor) + "/mig/";
    for (const auto& entry : root.list_dir(dir)) {
        auto gi = numbered(entry, "gi");
        if (!gi) continue;
        hook::MigInstance instance;
        instance.gi = *gi;
        for (const auto& sub : root.list_dir(dir + entry))
            if (auto ci = numbered(sub, "ci")) instance.compute.emplace(*ci, std::nullopt);
        f.mig.push_back(std::move(instance));
    }
    std::sort(f.mig.begin(), f.mig.end(), [](const auto& a, const auto& b) { return a.gi < b.gi; });
}

}  // namespace

void read_gpu_facts(const HostRoot& root, hook::PciFunction& f) {
    std::string bdf = f.bdf();
    // DRM nodes are what a GPU on its DRM host driver gives; on vfio-pci or
    // nvidia they are not used, so not read.
    if (f.is_display() && f.driver != "vfio-pci" && f.driver != "nvidia") {
        std::string drm = "/sys/bus/pci/devices/" + bdf + "/drm/";
        for (const auto& name : root.list_dir(drm)) {
            if (!text::starts_with(name, "card") && !text::starts_with(name, "renderD")) continue;
            auto dev = root.read_text(drm + name + "/dev", 64);
            f.drm.push_back({name, dev ? text::trim(*dev) : std::string()});
        }
    }
    if (f.driver != "nvidia") return;
    if (auto info = root.read_text("/proc/driver/nvidia/gpus/" + bdf + "/information"))
        f.nvidia_minor = hook::parse_nvidia_device_minor(*info);
    if (f.nvidia_minor) read_mig(root, f);
}

void read_mig_minors(const HostRoot& root, hook::HostInventory& inventory) {
    bool any = std::any_of(inventory.functions.begin(), inventory.functions.end(),
                           [](const hook::PciFunction& f) { return !f.mig.empty(); });
    if (!any) return;
    auto text = root.read_text("/proc/driver/nvidia-caps/mig-minors", 1024 * 1024);
    if (!text) return;
    auto minors = hook::parse_mig_minors(*text);
    auto find = [&](const std::string& cap) -> std::optional<unsigned> {
        auto it = minors.find(cap);
        if (it == minors.end()) return std::nullopt;
        return it->second;
    };
    for (auto& f : inventory.functions) {
        std::string gpu = "gpu" + std::to_string(f.nvidia_minor.value_or(0));
        for (auto& gi : f.mig) {
            std::string prefix = gpu + "/gi" + std::to_string(gi.gi);
            gi.access_minor = find(prefix + "/access");
            for (auto& [ci, minor] : gi.compute) minor = find(prefix + "/ci" + std::to_string(ci) + "/access");
        }
    }
}

}  // namespace kvpod::host
