// SPDX-License-Identifier: Apache-2.0
//
// expand_vmi(): VM → the VMI KubeVirt v1.8 would run, in the order of
// pkg/instancetype/expand and virt-controller's startVMI, then the VMI
// mutating webhook, then what standalone mode needs on top:
//
//  1. normalise the documents against KubeVirt's OpenAPI (known_fields);
//  2. match the instancetype/preference documents (instancetype_input): the
//     given ones, else KubeVirt's common instancetypes and preferences
//     (common_instancetypes, the bundle KubeVirt v1.8 deploys);
//  3. VM webhook: preferred architecture and machine type, then the default
//     architecture and machine type, the PCI topology annotation (vm_defaults);
//  4. SetupVMIFromVM, autoattach preferences, AutoAttachInputDevice, the
//     default network interface, the instancetype and preference with their
//     annotations (instancetype, preference);
//  5. the VMI webhook: the VirtualMachineInstancePresets given beside the VM
//     that select it (presets), then what standalone cannot run
//     (standalone_checks);
//  6. VMI defaults, preference requirements in between (vmi_defaults,
//     preference_requirements, api_defaults, hotplug);
//  7. passt, KubeVirt's network rules, the status (passt, network_defaults,
//     standalone_status).
//
// Where KubeVirt needs a cluster or randomness:
//  - cluster configuration: KubeVirt v1.8's defaults (no feature gates, rollout
//    strategy LiveUpdate, maxHotplugRatio 4, default interface bridge, CPU
//    request 100m, eviction None, default machine types, no cluster CPU
//    model, the Root gate off so the VMI runs as uid 107);
//  - default architecture: options.host_architecture instead of the cluster's
//    (the DataSource label lookup is moot: dataVolumeTemplates are unsupported);
//  - firmware UUID: KubeVirt's stable UUIDv5 of the name, for VMIs too (where
//    KubeVirt would pick a random one); the VM webhook's random UUID is not used;
//  - firmware serial: left unset (the VM webhook would set a random one); set
//    spec.template.spec.domain.firmware.serial to have one;
//  - metadata: no VMI uid is invented; the owner reference carries the VM's uid
//    ("" when it has none); no finalizers, generation annotation or revision
//    names (they only matter to controllers);
//  - status: runtimeUser, guestOSInfo, currentCPUTopology, memory and
//    interfaces; no phase (the launcher does not read it) and no vsock CID
//    (warned about);
//  - VirtualMachineInstancePresets (deprecated) come from the VM's file, not
//    the cluster; the instancetype's revisionName is ignored with a warning; a
//    VM's status (start-paused requests) is not read.
#include "core/kubevirt/convert.hpp"

#include "core/kubevirt/admission.hpp"
#include "core/kubevirt/expansion.hpp"
#include "core/kubevirt/instancetype.hpp"
#include "core/kubevirt/instancetype_input.hpp"
#include "core/kubevirt/known_fields.hpp"
#include "core/kubevirt/network_defaults.hpp"
#include "core/kubevirt/passt.hpp"
#include "core/kubevirt/preference.hpp"
#include "core/kubevirt/preference_requirements.hpp"
#include "core/kubevirt/presets.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/kubevirt/standalone_checks.hpp"
#include "core/kubevirt/standalone_status.hpp"
#include "core/kubevirt/vm_defaults.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "core/kubevirt/vmi_defaults.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr const char* kPciTopologyAnnotation = "kubevirt.io/pci-topology-version";

/// The VM and VMI webhooks set the PCI topology version on create (v1.8+).
void set_pci_topology_version(Json& metadata) {
    Json& annotations = spec::object(metadata, "annotations");
    if (!annotations.contains(kPciTopologyAnnotation)) annotations[kPciTopologyAnnotation] = "v3";
}

/// A VMI given as input: its metadata without what the API server manages,
/// and its spec; its status is recomputed.
Json vmi_from_vmi(const Json& doc, const std::string& namespace_name) {
    Json metadata = doc.at("metadata");
    for (const char* managed : {"creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "generation",
                                "managedFields", "resourceVersion", "selfLink"})
        metadata.erase(managed);
    metadata["namespace"] = namespace_name;
    return Json{{"apiVersion", "kubevirt.io/v1"},
                {"kind", "VirtualMachineInstance"},
                {"metadata", std::move(metadata)},
                {"spec", doc.at("spec")}};
}

}  // namespace

Json expand_vmi(const VmInput& input, const ConvertOptions& options, Diagnostics& diagnostics) {
    const std::string source = input.source.empty() ? std::string("vm") : input.source;
    const VmDocument head = read_vm_document(input.vm, source);
    const bool is_vm = head.kind == Kind::VirtualMachine;
    Json doc = input.vm;
    normalise_document(doc, is_vm ? "v1.VirtualMachine" : "v1.VirtualMachineInstance", source, diagnostics);

    const InstancetypeDocuments documents = resolve_instancetype_documents(doc, is_vm, input, source);
    const ExpansionContext ctx{options,
                               diagnostics,
                               source,
                               head.spec_pointer,
                               is_vm ? "spec.template.spec" : "spec",
                               is_vm ? "spec.template.metadata" : "metadata",
                               documents.instancetype_source,
                               documents.preference_source,
                               &input.objects};
    // Before anything is derived from the input: the API server's and the
    // webhooks' refusals come first, as on a cluster.
    check_admission(doc, head, ctx);
    const InstancetypeSelection selection = select_instancetype(doc, is_vm, documents, ctx);
    const Json* instancetype = selection.instancetype ? &*selection.instancetype : nullptr;
    const Json* preference = selection.preference ? &*selection.preference : nullptr;
    if (preference) validate_preference(*preference, ctx);
    const std::string namespace_name = head.namespace_name.empty() ? std::string("default") : head.namespace_name;

    Json vmi;
    if (is_vm) {
        Json& tmpl = doc["spec"]["template"];
        apply_vm_defaults(tmpl["spec"], preference, ctx);
        set_pci_topology_version(spec::object(tmpl, "metadata"));
        vmi = setup_vmi_from_vm(doc, namespace_name);
        Json& vmi_spec = vmi["spec"];
        if (preference) apply_auto_attach_preferences(*preference, vmi_spec);
        auto_attach_input_device(vmi_spec);
        set_default_network_interface(vmi_spec);
        for (const auto& [key, value] : selection.annotations.items())
            spec::object(vmi["metadata"], "annotations")[key] = value;
        check_spread_topology(instancetype, preference, ctx);
        apply_instancetype_and_preference(instancetype, preference, vmi_spec, vmi["metadata"], ctx);
    } else {
        vmi = vmi_from_vmi(doc, namespace_name);
    }
    apply_presets(vmi, input.presets, ctx);
    check_standalone_support(is_vm ? &doc : nullptr, vmi["spec"], ctx);

    set_default_vmi_spec(vmi["spec"], ctx);
    if (preference) check_preference_requirements(instancetype, *preference, vmi["spec"], ctx);
    finish_vmi_defaults(vmi, ctx);
    set_pci_topology_version(vmi["metadata"]);

    apply_passt(vmi["spec"], ctx);
    validate_networks(vmi["spec"], ctx);
    set_standalone_status(vmi);
    // Struct values KubeVirt always prints.
    Json& domain = vmi["spec"]["domain"];
    spec::object(domain, "resources");
    spec::object(domain, "devices");
    return vmi;
}

}  // namespace kvpod::kubevirt
