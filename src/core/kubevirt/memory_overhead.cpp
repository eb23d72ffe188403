// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/memory_overhead.hpp"

#include "core/json_util.hpp"
#include "core/kubevirt/vmi_spec_facts.hpp"

namespace kvpod::kubevirt {
namespace {

using Json = nlohmann::json;
using Format = Quantity::Format;

Quantity mi(std::int64_t n) { return Quantity::of(n * 1024 * 1024, Format::BinarySI); }

bool is_vfio(const Json& spec) {
    if (has_items(spec, {"domain", "devices", "hostDevices"}) || has_items(spec, {"domain", "devices", "gpus"}))
        return true;
    if (const Json* ifaces = find_path(spec, {"domain", "devices", "interfaces"}); ifaces && ifaces->is_array())
        for (const auto& iface : *ifaces)
            if (find_path(iface, {"sriov"})) return true;
    return false;
}

bool has_exec_probe(const Json& spec, const char* probe) { return find_path(spec, {probe, "exec"}) != nullptr; }

bool has_downward_metrics_volume(const Json& spec) {
    if (const Json* volumes = find_path(spec, {"volumes"}); volumes && volumes->is_array())
        for (const auto& v : *volumes)
            if (find_path(v, {"downwardMetrics"})) return true;
    return false;
}

bool has_tpm(const Json& spec) {
    const Json* tpm = find_path(spec, {"domain", "devices", "tpm"});
    if (!tpm) return false;
    const Json* enabled = find_path(*tpm, {"enabled"});
    return !enabled || !enabled->is_boolean() || enabled->get<bool>();
}

bool is_sev(const Json& spec) {
    return find_path(spec, {"domain", "launchSecurity", "sev"}) || find_path(spec, {"domain", "launchSecurity", "snp"});
}

bool has_passt_binding(const Json& spec) {
    if (const Json* ifaces = find_path(spec, {"domain", "devices", "interfaces"}); ifaces && ifaces->is_array())
        for (const auto& iface : *ifaces)
            if (find_path(iface, {"passtBinding"})) return true;
    return false;
}

/// The hypervisor part (KvmHypervisorBackend.GetMemoryOverhead), without network.
Quantity hypervisor_overhead(const Json& spec, const OverheadOptions& options) {
    Quantity overhead = Quantity::scaled(0, 3);
    // Page tables: one byte for every 512 bytes of requested RAM.
    Quantity request = resource_of(spec, "requests", "memory");
    std::int64_t request_kilo_rounded = request.scaled_value(3) * 1000;
    overhead.add(Quantity::of(request_kilo_rounded / 512, Format::DecimalSI));
    // virt-launcher-monitor, virt-launcher, virtlogd, virtqemud, qemu.
    for (int m : {25, 100, 25, 40, 30}) overhead.add(mi(m));

    std::int64_t vcpus = 0;
    if (const Json* cpu = find_path(spec, {"domain", "cpu"}); cpu && cpu->is_object()) {
        vcpus = vcpus_of(*cpu);
    } else if (find_path(spec, {"domain", "resources", "limits", "cpu"})) {
        vcpus = resource_of(spec, "limits", "cpu").value();
    } else if (find_path(spec, {"domain", "resources", "requests", "cpu"})) {
        vcpus = resource_of(spec, "requests", "cpu").value();
    }
    if (vcpus < 1) vcpus = 1;
    overhead.add(Quantity::of(8 * 1024 * 1024 * vcpus, Format::BinarySI));
    overhead.add(mi(8));  // IO thread

    const Json* graphics = find_path(spec, {"domain", "devices", "autoattachGraphicsDevice"});
    if (!graphics || !graphics->is_boolean() || graphics->get<bool>()) overhead.add(mi(32));
    if (options.architecture == "arm64") overhead.add(mi(128));  // two UEFI pflash images
    if (is_vfio(spec)) overhead.add(mi(1024));
    if (has_downward_metrics_volume(spec)) overhead.add(mi(1));

    bool liveness = has_exec_probe(spec, "livenessProbe"), readiness = has_exec_probe(spec, "readinessProbe");
    if (liveness) overhead.add(mi(10));
    if (readiness) overhead.add(mi(10));
    if (liveness || readiness) overhead.add(mi(100));

    if (is_sev(spec)) overhead.add(mi(256));
    if (has_tpm(spec)) overhead.add(mi(53));
    if (is_cpu_dedicated(spec) || wants_guaranteed_qos(spec)) overhead.add(mi(100));
    if (const Json* added = find_path(spec, {"domain", "memory", "reservedOverhead", "addedOverhead"}))
        overhead.add(Quantity::from_json(*added, "/spec/domain/memory/reservedOverhead/addedOverhead"));

    if (options.additional_ratio) {
        // MultiplyMemory: whole thousand-byte units, truncated like Go's int64().
        double addition = static_cast<double>(overhead.scaled_value(3)) * (*options.additional_ratio - 1.0);
        overhead.add(Quantity::scaled(static_cast<std::int64_t>(addition), 3));
    }
    return overhead;
}

}  // namespace

Quantity memory_overhead(const Json& vmi_spec, const OverheadOptions& options) {
    Quantity overhead = hypervisor_overhead(vmi_spec, options);
    // virt-controller's network memory calculator: passt forwards every port.
    if (options.include_network && has_passt_binding(vmi_spec)) overhead.add(mi(250));
    return overhead;
}

std::uint64_t memlock_bytes(const Json& vmi_spec, const OverheadOptions& options) {
    // virt-handler uses the hypervisor overhead alone (no network term).
    Quantity size = hypervisor_overhead(vmi_spec, options);
    Quantity base;
    if (const Json* max_guest = find_path(vmi_spec, {"domain", "memory", "maxGuest"}))
        base = Quantity::from_json(*max_guest, "/spec/domain/memory/maxGuest");
    else if (Quantity request = resource_of(vmi_spec, "requests", "memory"); !request.is_zero())
        base = request;
    else if (const Json* guest = find_path(vmi_spec, {"domain", "memory", "guest"}))
        base = Quantity::from_json(*guest, "/spec/domain/memory/guest");
    size.add(Quantity::scaled(base.scaled_value(3), 3));
    auto bytes = size.value();
    return bytes < 0 ? 0 : static_cast<std::uint64_t>(bytes);
}

}  // namespace kvpod::kubevirt
