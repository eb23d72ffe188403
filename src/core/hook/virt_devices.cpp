// SPDX-License-Identifier: Apache-2.0
#include "core/hook/virt_devices.hpp"

#include "core/text.hpp"

namespace kvpod::hook {
namespace {

using Json = kubevirt::Json;

const Json& devices_of(const kubevirt::VmDocument& vm) {
    static const Json empty = Json::object();
    auto domain = vm.vmi_spec.find("domain");
    if (domain == vm.vmi_spec.end() || !domain->is_object()) return empty;
    auto devices = domain->find("devices");
    if (devices == domain->end() || !devices->is_object()) return empty;
    return *devices;
}

}  // namespace

std::uint32_t runtime_user(const kubevirt::VmDocument& vm) {
    if (vm.status.is_object()) {
        auto it = vm.status.find("runtimeUser");
        if (it != vm.status.end() && it->is_number_unsigned() && it->get<std::uint64_t>() <= 0xffffffffu)
            return static_cast<std::uint32_t>(it->get<std::uint64_t>());
    }
    return 107;
}

std::vector<VirtDeviceWant> virt_device_wants(const kubevirt::VmDocument& vm, const HookConfig& config) {
    const Json& devices = devices_of(vm);
    Json interfaces = devices.contains("interfaces") && devices["interfaces"].is_array() ? devices["interfaces"] : Json::array();
    auto autoattach = devices.find("autoattachPodInterface");
    bool autoattach_pod = autoattach == devices.end() || !autoattach->is_boolean() || autoattach->get<bool>();

    std::vector<VirtDeviceWant> wants;
    wants.push_back({"kvm", kKvmPath, config.allow_emulation ? Need::Optional : Need::Required,
                     config.allow_emulation ? "hardware acceleration (allowEmulation: true, so optional)"
                                            : "hardware acceleration (devices.kubevirt.io/kvm)"});

    // KubeVirt's RequiresTunDevice: any interface, or the pod interface it
    // attaches by default.
    if (!interfaces.empty() || autoattach_pod)
        wants.push_back({"tun", kTunPath, Need::Optional,
                         interfaces.empty() ? "default pod interface (devices.kubevirt.io/tun)"
                                            : "the VM has network interfaces (devices.kubevirt.io/tun)"});

    // hasVirtioIface: a virtio or model-less interface. The interface KubeVirt
    // adds by default has no model, so it counts.
    bool virtio = interfaces.empty() && autoattach_pod;
    for (const auto& iface : interfaces) {
        std::string model = iface.is_object() && iface.contains("model") && iface["model"].is_string()
                                ? iface["model"].get<std::string>()
                                : std::string();
        if (model.empty() || model == "virtio") virtio = true;
    }
    if (virtio)
        wants.push_back({"vhost-net", kVhostNetPath, Need::Optional,
                         "virtio network interface (devices.kubevirt.io/vhost-net)"});
    return wants;
}

void plan_virt_devices(const std::vector<VirtDeviceWant>& wants, const HostNodes& host, std::uint32_t owner,
                       DevicePlan& plan) {
    bool kvm_absent = false;
    for (const auto& want : wants) {
        auto found = host.find(want.path);
        const std::optional<HostNode>* node = found == host.end() ? nullptr : &found->second;
        if (node && *node) {
            if (want.name == "vhost-net" && kvm_absent) {
                plan.rows.push_back({want.name, "", RowStatus::Skipped,
                                     "no KVM: QEMU falls back to its userspace virtio-net, as KubeVirt does under emulation", ""});
                continue;
            }
            plan.grant_node(**node, owner);
            plan.rows.push_back({want.name, want.path + " (" + describe(**node) + ")", RowStatus::Granted, want.why, ""});
            continue;
        }
        if (want.name == "kvm") kvm_absent = true;
        if (want.need == Need::Required) {
            Error refusal("the host has no " + want.path + ", which the VM needs for " + want.why, want.path,
                          "load the KVM module (modprobe kvm_intel or kvm_amd) with virtualization enabled in the "
                          "firmware, check that " + want.path + " is a character device, or set allowEmulation: true "
                          "in the hook's configuration to run the VM with software emulation");
            plan.rows.push_back({want.name, "", RowStatus::Refused, "the host has no " + want.path, refusal.remedy()});
            plan.refusals.push_back(std::move(refusal));
            continue;
        }
        std::string why = "the host has no " + want.path;
        if (want.name == "kvm") why += "; software emulation (allowEmulation: true)";
        else if (want.name == "tun") why += "; passt does not need it, tap-based bindings would fail (modprobe tun)";
        else if (want.name == "vhost-net") why += "; QEMU uses its userspace virtio-net (modprobe vhost_net)";
        plan.rows.push_back({want.name, "", RowStatus::Skipped, why, ""});
    }
}

}  // namespace kvpod::hook
