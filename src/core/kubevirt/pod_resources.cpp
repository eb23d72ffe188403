// SPDX-License-Identifier: Apache-2.0
// The compute container's resources, by KubeVirt v1.8's ResourceRenderer and
// the VMIResourcePredicates of template.go, applied in the same order.
#include <map>

#include "core/kubevirt/memory_overhead.hpp"
#include "core/kubevirt/pod_internal.hpp"

namespace kvpod::kubevirt::pod {
namespace {

using Format = Quantity::Format;
using ResourceList = std::map<std::string, Quantity>;

constexpr std::string_view kDevicePrefix = "devices.kubevirt.io/";

ResourceList read_list(const Json& spec, std::string_view kind) {
    ResourceList list;
    const Json& obj = object_at(spec, {"domain", "resources", kind});
    for (auto it = obj.begin(); it != obj.end(); ++it)
        list[it.key()] = Quantity::from_json(it.value(), "/spec/domain/resources/" + std::string(kind) + "/" + it.key());
    return list;
}

Json write_list(const ResourceList& list) {
    Json out = Json::object();
    for (const auto& [name, q] : list) out[name] = q.str();
    return out;
}

/// ResourceRenderer: the VMI's own lists win over the calculated ones.
struct Renderer {
    ResourceList vm_limits, vm_requests, calc_limits, calc_requests;

    ResourceList merged(const ResourceList& calc, const ResourceList& vm) const {
        ResourceList out = calc;
        for (const auto& [k, v] : vm) out[k] = v;
        return out;
    }
    ResourceList limits() const { return merged(calc_limits, vm_limits); }
    ResourceList requests() const { return merged(calc_requests, vm_requests); }

    /// requestResource: +1 in both lists, written back as calculated values.
    void bump(const std::vector<std::string>& names) {
        ResourceList lim = limits(), req = requests();
        for (const auto& name : names) {
            for (ResourceList* list : {&lim, &req}) {
                auto it = list->find(name);
                if (it == list->end()) list->emplace(name, Quantity::of(1, Format::DecimalSI));
                else it->second.add(Quantity::of(1, Format::DecimalSI));
            }
        }
        for (const auto& [k, v] : lim) calc_limits[k] = v;
        for (const auto& [k, v] : req) calc_requests[k] = v;
    }
};

bool has_virtio_iface(const Json& spec) {
    for (const auto& iface : array_at(spec, {"domain", "devices", "interfaces"})) {
        std::string model = string_at(iface, {"model"});
        if (model.empty() || model == "virtio") return true;
    }
    return false;
}

/// getRequiredResources with emulation disallowed (useEmulation: false).
void add_virtualization_resources(const Json& spec, Renderer& r) {
    Quantity one = Quantity::parse("1");
    const Json& ifaces = array_at(spec, {"domain", "devices", "interfaces"});
    if (!ifaces.empty() || bool_at(spec, {"domain", "devices", "autoattachPodInterface"}, true))
        r.vm_limits[std::string(kDevicePrefix) + "tun"] = one;
    if (has_virtio_iface(spec)) r.vm_limits[std::string(kDevicePrefix) + "vhost-net"] = one;
    r.vm_limits[std::string(kDevicePrefix) + "kvm"] = one;
    if (bool_at(spec, {"domain", "devices", "autoattachVSOCK"}, false))
        r.vm_limits[std::string(kDevicePrefix) + "vhost-vsock"] = one;
}

/// WithMemoryRequests, run only when the VMI requests no memory.
void with_memory_requests(const Json& spec, Renderer& r) {
    auto limit = r.vm_limits.find("memory");
    auto request = r.vm_requests.find("memory");
    if (limit != r.vm_limits.end() && !limit->second.is_zero() &&
        (request == r.vm_requests.end() || request->second.is_zero()))
        r.vm_requests["memory"] = limit->second;
    if (r.vm_requests.count("memory")) return;

    std::optional<Quantity> memory;
    if (const Json* guest = find_path(spec, {"domain", "memory", "guest"}))
        memory = Quantity::from_json(*guest, "/spec/domain/memory/guest");
    else if (auto page = Quantity::try_parse(string_at(spec, {"domain", "memory", "hugepages", "pageSize"})))
        memory = *page;
    if (!memory || memory->value() <= 0) return;
    if (kMemoryOvercommit == 100) r.vm_requests["memory"] = *memory;
    else r.vm_requests["memory"] = Quantity::of(memory->value() * 100 / kMemoryOvercommit, memory->format());
}

std::int64_t io_thread_cpus(const Json& spec) {
    return int_at(spec, {"domain", "ioThreads", "supplementalPoolThreadCount"}, 0);
}

void without_dedicated_cpu(const Json& spec, Renderer& r) {
    const Json* cpu = find_path(spec, {"domain", "cpu"});
    std::int64_t vcpus = cpu ? vcpus_of(*cpu) : 1;
    std::int64_t total = vcpus + io_thread_cpus(spec);
    if (total == 0) return;
    r.calc_requests["cpu"] = Quantity::parse(cpu_request_text(total));
}

void with_cpu_pinning(const Json& vmi, const Json& spec, Renderer& r) {
    const Json& cpu = object_at(spec, {"domain", "cpu"});
    std::int64_t vcpus = vcpus_of(cpu);
    std::int64_t io_threads = io_thread_cpus(spec);
    if (vcpus != 0) {
        r.vm_limits["cpu"] = Quantity::of(vcpus + io_threads, Format::BinarySI);
        r.vm_requests["cpu"] = Quantity::of(vcpus + io_threads, Format::BinarySI);
    } else {
        for (ResourceList* list : {&r.vm_limits, &r.vm_requests})
            if (auto it = list->find("cpu"); it != list->end()) it->second.add(Quantity::of(io_threads, Format::BinarySI));
    }
    if (bool_at(cpu, {"isolateEmulatorThread"}, false)) {
        std::int64_t emulator = 1;
        bool parity = has(vmi, {"metadata", "annotations", "alpha.kubevirt.io/EmulatorThreadCompleteToEvenParity"});
        Quantity& limit = r.vm_limits["cpu"];
        if (parity && (limit.value() + io_threads) % 2 == 0) emulator = 2;
        limit.add(Quantity::of(emulator, Format::BinarySI));
        if (auto it = r.vm_requests.find("cpu"); it != r.vm_requests.end())
            it->second.add(Quantity::of(emulator, Format::BinarySI));
    }
    if (auto it = r.vm_requests.find("memory"); it != r.vm_requests.end()) r.vm_limits["memory"] = it->second;
}

void with_hugepages(const Json& spec, const Quantity& overhead, Renderer& r) {
    std::string page_size = string_at(spec, {"domain", "memory", "hugepages", "pageSize"});
    std::string resource = "hugepages-" + page_size;
    Quantity request = r.vm_requests.count("memory") ? r.vm_requests["memory"] : Quantity{};
    Quantity limit = r.vm_limits.count("memory") ? r.vm_limits["memory"] : Quantity{};
    const Json* guest_json = find_path(spec, {"domain", "memory", "guest"});
    std::optional<Quantity> guest;
    if (guest_json) guest = Quantity::from_json(*guest_json, "/spec/domain/memory/guest");

    Quantity hugepages = request;
    if (guest && request.value() > guest->value()) hugepages = *guest;
    r.calc_requests[resource] = hugepages;
    r.calc_limits[resource] = hugepages;

    Quantity request_diff = Quantity::scaled(0, 3), limit_diff = Quantity::scaled(0, 3);
    if (guest) {
        if (request.value() > guest->value()) request_diff.add(request).sub(*guest);
        if (limit.value() > guest->value()) limit_diff.add(limit).sub(*guest);
    }
    request_diff.add(overhead);
    r.vm_requests["memory"] = request_diff;
    if (r.vm_limits.count("memory")) r.vm_limits["memory"] = limit_diff.add(overhead);
}

void with_memory_overhead(const Json& spec, const Quantity& overhead, Renderer& r) {
    Quantity request = r.vm_requests.count("memory") ? r.vm_requests["memory"] : Quantity{};
    if (!bool_at(spec, {"domain", "resources", "overcommitGuestOverhead"}, false)) request.add(overhead);
    r.vm_requests["memory"] = request;
    if (auto it = r.vm_limits.find("memory"); it != r.vm_limits.end()) it->second.add(overhead);
}

/// Device-plugin resources of GPUs or hostDevices (deviceName set, no DRA claim).
std::vector<std::string> device_plugin_resources(const Json& spec, std::string_view list) {
    std::vector<std::string> names;
    for (const auto& dev : array_at(spec, {"domain", "devices", list})) {
        std::string name = string_at(dev, {"deviceName"});
        if (!name.empty() && !has(dev, {"claimRequest"})) names.push_back(name);
    }
    return names;
}

bool has_persistent_reservation(const Json& spec) {
    for (const auto& disk : array_at(spec, {"domain", "devices", "disks"}))
        if (bool_at(disk, {"lun", "reservation"}, false)) return true;
    return false;
}

}  // namespace

std::string cpu_request_text(std::int64_t total) {
    // KubeVirt divides by the ratio in float64 and prints with Go's %g (a
    // thousandfold with "m" below 1). With a ratio of 10 that double's
    // shortest text is the exact decimal of total / 10 (checked against the
    // float formula in pod_resources_test), so it is written from integers:
    // floating to_chars would link libm into the converter for this alone.
    static_assert(kCpuAllocationRatio == 10);
    // A thousandfold of total / 10 is total * 100: spelled with two zeros, so
    // no count (not even a negative one from a bad spec) overflows.
    if (total < kCpuAllocationRatio) return total == 0 ? "0m" : std::to_string(total) + "00m";
    std::string text = std::to_string(total / kCpuAllocationRatio);
    if (total % kCpuAllocationRatio != 0) text += "." + std::to_string(total % kCpuAllocationRatio);
    return text;
}

Json render_resources(Context& ctx) {
    const Json& spec = ctx.spec;
    Renderer r{read_list(spec, "limits"), read_list(spec, "requests"), {}, {}};

    // WithEphemeralStorageRequest: KubeVirt's own scratch space on top of the VMI's.
    Quantity storage_overhead = Quantity::parse("50M");
    r.vm_requests["ephemeral-storage"].add(storage_overhead);
    if (auto it = r.vm_limits.find("ephemeral-storage"); it != r.vm_limits.end()) it->second.add(storage_overhead);
    add_virtualization_resources(spec, r);

    OverheadOptions overhead_options;
    overhead_options.architecture = string_at(spec, {"architecture"});
    if (overhead_options.architecture.empty()) overhead_options.architecture = ctx.options.host_architecture;
    Quantity overhead = memory_overhead(spec, overhead_options);

    // The predicates look at the VMI as given, before any rule has run.
    bool empty_memory_request = resource_of(spec, "requests", "memory").is_zero();
    bool dedicated = is_cpu_dedicated(spec);
    bool hugepages = has(spec, {"domain", "memory", "hugepages"});

    if (empty_memory_request) with_memory_requests(spec, r);
    if (dedicated) with_cpu_pinning(ctx.vmi, spec, r);
    else without_dedicated_cpu(spec, r);
    if (hugepages) with_hugepages(spec, overhead, r);
    else with_memory_overhead(spec, overhead, r);
    if (auto gpus = device_plugin_resources(spec, "gpus"); !gpus.empty()) r.bump(gpus);
    if (auto devs = device_plugin_resources(spec, "hostDevices"); !devs.empty()) r.bump(devs);
    if (has(spec, {"domain", "launchSecurity", "sev"}) || has(spec, {"domain", "launchSecurity", "snp"}))
        r.bump({std::string(kDevicePrefix) + "sev"});
    if (has_persistent_reservation(spec)) r.bump({std::string(kDevicePrefix) + "pr-helper"});

    Json out = Json::object();
    if (auto limits = r.limits(); !limits.empty()) out["limits"] = write_list(limits);
    if (auto requests = r.requests(); !requests.empty()) out["requests"] = write_list(requests);
    return out;
}

}  // namespace kvpod::kubevirt::pod
