// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/hotplug.hpp"

#include <algorithm>
#include <cstdint>

#include "core/kubevirt/spec_json.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr std::uint32_t kMaxHotplugRatio = 4;
constexpr std::uint32_t kMaxVCPUs = 512;
constexpr std::int64_t kBlockAlignment = 0x200000;            // 2Mi, a transparent hugepage
constexpr std::int64_t kHugepage1GiAlignment = 0x40000000;    // 1Gi hugepages
constexpr std::int64_t kMinGuestMemory = 0x40000000;          // 1Gi

void setup_cpu_hotplug(Json& cpu) {
    if (spec::u32(cpu, "maxSockets") != 0) return;
    // The cluster sets no maxCpuSockets by default, so KubeVirt derives it.
    // uint32 arithmetic, as in KubeVirt.
    const std::uint32_t sockets = spec::u32(cpu, "sockets"), cores = spec::u32(cpu, "cores"),
                        threads = spec::u32(cpu, "threads");
    std::uint32_t max_sockets = sockets * kMaxHotplugRatio;
    if (max_sockets * cores * threads > kMaxVCPUs) max_sockets = std::max(kMaxVCPUs / (cores * threads), sockets);
    if (max_sockets != 0) cpu["maxSockets"] = max_sockets;
}

void setup_memory_hotplug(Json& vmi_spec, Json& memory) {
    if (spec::has(memory, "maxGuest")) return;
    std::optional<Quantity> max_guest;
    if (auto guest = spec::quantity(memory, "guest"))
        max_guest = Quantity::of(guest->value() * kMaxHotplugRatio, Quantity::Format::BinarySI);
    if (live_update_memory_problem(vmi_spec, max_guest)) return;
    memory["maxGuest"] = max_guest->str();
}

}  // namespace

std::optional<std::string> live_update_memory_problem(const Json& vmi_spec, const std::optional<Quantity>& max_guest) {
    const Json* domain = spec::get(vmi_spec, "domain");
    const Json* cpu = domain ? spec::get(*domain, "cpu") : nullptr;
    const Json* memory = domain ? spec::get(*domain, "memory") : nullptr;
    if (cpu && spec::has(*cpu, "realtime")) return "Memory hotplug is not compatible with realtime VMs";
    if (const Json* numa = cpu ? spec::get(*cpu, "numa") : nullptr; numa && spec::has(*numa, "guestMappingPassthrough"))
        return "Memory hotplug is not compatible with guest mapping passthrough";
    if (domain && spec::has(*domain, "launchSecurity")) return "Memory hotplug is not compatible with encrypted VMs";
    std::int64_t alignment = kBlockAlignment;
    if (const Json* hugepages = memory ? spec::get(*memory, "hugepages") : nullptr;
        hugepages && spec::string(*hugepages, "pageSize") == "1Gi")
        alignment = kHugepage1GiAlignment;
    const auto guest = memory ? spec::quantity(*memory, "guest") : std::nullopt;
    if (!guest) return "Guest memory must be configured when memory hotplug is enabled";
    if (!max_guest) return "Max guest memory must be configured when memory hotplug is enabled";
    const std::string aligned = Quantity::of(alignment, Quantity::Format::BinarySI).str() + " aligned";
    if (*guest > *max_guest) return "Guest memory is greater than the configured maxGuest memory";
    if (guest->value() % alignment != 0) return "Guest memory must be " + aligned;
    if (max_guest->value() % alignment != 0) return "MaxGuest must be " + aligned;
    if (spec::string(vmi_spec, "architecture") != "amd64") return "Memory hotplug is only available for x86_64 VMs";
    if (guest->value() < kMinGuestMemory)
        return "Memory hotplug is only available for VMs with at least 1Gi of guest memory";
    return std::nullopt;
}

void setup_hotplug(Json& vmi_spec) {
    Json& domain = spec::object(vmi_spec, "domain");
    setup_cpu_hotplug(spec::object(domain, "cpu"));
    setup_memory_hotplug(vmi_spec, spec::object(domain, "memory"));
}

}  // namespace kvpod::kubevirt
