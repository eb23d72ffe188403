// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/preference_devices.hpp"

#include <array>

#include "core/kubevirt/preference.hpp"
#include "core/kubevirt/spec_json.hpp"

namespace kvpod::kubevirt {
namespace {

/// Copies `prefs[from]` into `target[to]` when the preference has it and the
/// target does not.
void fill(const Json& prefs, const char* from, Json& target, const char* to) {
    if (const Json* v = spec::get(prefs, from); v && !spec::has(target, to)) target[to] = *v;
}

/// Copies a preferred string into an empty string field.
void fill_string(const Json& prefs, const char* from, Json& target, const char* to) {
    std::string v = spec::string(prefs, from);
    if (!v.empty() && spec::string(target, to).empty()) target[to] = v;
}

void apply_disk_preferences(const Json& prefs, Json& devices) {
    Json* disks = spec::get(devices, "disks");
    if (!disks) return;
    for (auto& disk : *disks) {
        if (!spec::has(disk, "disk") && !spec::has(disk, "cdrom") && !spec::has(disk, "lun")) disk["disk"] = Json::object();
        if (Json* target = spec::get(disk, "disk")) {
            fill_string(prefs, "preferredDiskBus", *target, "bus");
            fill(prefs, "preferredDiskBlockSize", disk, "blockSize");
            fill_string(prefs, "preferredDiskCache", disk, "cache");
            fill_string(prefs, "preferredDiskIO", disk, "io");
            if (spec::string(*target, "bus") == "virtio") fill(prefs, "preferredDiskDedicatedIoThread", disk, "dedicatedIOThread");
        } else if (Json* cdrom = spec::get(disk, "cdrom")) {
            fill_string(prefs, "preferredCdromBus", *cdrom, "bus");
        } else if (Json* lun = spec::get(disk, "lun")) {
            fill_string(prefs, "preferredLunBus", *lun, "bus");
        }
    }
}

bool binding_unset(const Json& iface) {
    static constexpr std::array<const char*, 8> kBindings = {"bridge", "slirp",  "masquerade",   "sriov",
                                                             "macvtap", "passt", "passtBinding", "binding"};
    for (const char* b : kBindings)
        if (spec::has(iface, b)) return false;
    return true;
}

bool on_pod_network(const std::string& name, const Json& vmi_spec) {
    if (const Json* networks = spec::get(vmi_spec, "networks"))
        for (const auto& net : *networks)
            if (spec::string(net, "name") == name) return spec::has(net, "pod");
    return false;
}

void apply_interface_preferences(const Json& prefs, Json& devices, const Json& vmi_spec) {
    Json* interfaces = spec::get(devices, "interfaces");
    if (!interfaces) return;
    for (auto& iface : *interfaces) {
        fill_string(prefs, "preferredInterfaceModel", iface, "model");
        const Json* masquerade = spec::get(prefs, "preferredInterfaceMasquerade");
        if (masquerade && binding_unset(iface) && on_pod_network(spec::string(iface, "name"), vmi_spec))
            iface["masquerade"] = *masquerade;
    }
}

void apply_input_and_panic_preferences(const Json& prefs, Json& devices) {
    if (Json* inputs = spec::get(devices, "inputs"))
        for (auto& input : *inputs) {
            fill_string(prefs, "preferredInputBus", input, "bus");
            fill_string(prefs, "preferredInputType", input, "type");
        }
    if (!spec::has(prefs, "preferredPanicDeviceModel")) return;
    if (Json* panics = spec::get(devices, "panicDevices"))
        for (auto& panic : *panics) fill(prefs, "preferredPanicDeviceModel", panic, "model");
}

}  // namespace

void apply_device_preferences(const Json& preference_spec, Json& vmi_spec) {
    const Json* prefs = spec::get(preference_spec, "devices");
    if (!prefs) return;
    Json& devices = spec::object(spec::object(vmi_spec, "domain"), "devices");
    fill(*prefs, "preferredUseVirtioTransitional", devices, "useVirtioTransitional");
    fill(*prefs, "preferredBlockMultiQueue", devices, "blockMultiQueue");
    fill(*prefs, "preferredNetworkInterfaceMultiQueue", devices, "networkInterfaceMultiqueue");
    // disableHotplug is a plain bool in KubeVirt: an unset one cannot be told
    // from false, so the preference always wins.
    if (auto disable = spec::optional_bool(*prefs, "preferredDisableHotplug"))
        spec::set_flag(devices, "disableHotplug", *disable);
    if (Json* sound = spec::get(devices, "sound")) fill_string(*prefs, "preferredSoundModel", *sound, "model");
    fill(*prefs, "preferredRng", devices, "rng");
    fill(*prefs, "preferredTPM", devices, "tpm");
    apply_auto_attach_preferences(preference_spec, vmi_spec);
    apply_disk_preferences(*prefs, devices);
    apply_interface_preferences(*prefs, devices, vmi_spec);
    apply_input_and_panic_preferences(*prefs, devices);
}

void apply_feature_preferences(const Json& preference_spec, Json& vmi_spec) {
    const Json* prefs = spec::get(preference_spec, "features");
    if (!prefs) return;
    Json& features = spec::object(spec::object(vmi_spec, "domain"), "features");
    // features.acpi is a struct value in KubeVirt, so the preference always wins.
    if (const Json* acpi = spec::get(*prefs, "preferredAcpi")) features["acpi"] = *acpi;
    fill(*prefs, "preferredApic", features, "apic");
    if (const Json* hyperv = spec::get(*prefs, "preferredHyperv")) {
        Json& vmi_hyperv = spec::object(features, "hyperv");
        for (const auto& [key, value] : hyperv->items())
            if (!spec::has(vmi_hyperv, key)) vmi_hyperv[key] = value;
    }
    fill(*prefs, "preferredKvm", features, "kvm");
    fill(*prefs, "preferredPvspinlock", features, "pvspinlock");
    fill(*prefs, "preferredSmm", features, "smm");
}

}  // namespace kvpod::kubevirt
