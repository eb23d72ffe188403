// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/vm_document.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {

std::string_view kind_name(Kind kind) {
    return kind == Kind::VirtualMachine ? "VirtualMachine" : "VirtualMachineInstance";
}

std::optional<Kind> kind_of(const Json& doc) {
    if (!doc.is_object()) return std::nullopt;
    auto api = doc.find("apiVersion");
    auto kind = doc.find("kind");
    if (api == doc.end() || kind == doc.end() || !api->is_string() || !kind->is_string()) return std::nullopt;
    if (!text::starts_with(api->get_ref<const std::string&>(), "kubevirt.io/")) return std::nullopt;
    if (*kind == "VirtualMachine") return Kind::VirtualMachine;
    if (*kind == "VirtualMachineInstance") return Kind::VirtualMachineInstance;
    return std::nullopt;
}

namespace {

const Json& object_at(const Json& parent, const char* key, const std::string& pointer, std::string_view source) {
    auto it = parent.find(key);
    if (it == parent.end() || !it->is_object())
        throw Error(it == parent.end() ? "missing" : "not an object", std::string(source) + ":" + pointer,
                    "a KubeVirt VM needs spec.template.spec, a VMI needs spec");
    return *it;
}

std::string string_at(const Json& parent, const char* key, const std::string& pointer, std::string_view source) {
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return {};
    if (!it->is_string()) throw Error("not a string", std::string(source) + ":" + pointer);
    return it->get<std::string>();
}

}  // namespace

VmDocument read_vm_document(const Json& doc, std::string_view source) {
    if (!doc.is_object())
        throw Error("not a VirtualMachine or VirtualMachineInstance document (found " + std::string(doc.type_name()) + ")",
                    std::string(source), "give a KubeVirt VM or VMI as YAML or JSON");
    auto kind = kind_of(doc);
    if (!kind) {
        std::string api = doc.contains("apiVersion") && doc["apiVersion"].is_string() ? doc["apiVersion"].get<std::string>() : "?";
        std::string k = doc.contains("kind") && doc["kind"].is_string() ? doc["kind"].get<std::string>() : "?";
        throw Error("document is " + api + " " + k + ", not a kubevirt.io VirtualMachine or VirtualMachineInstance",
                    std::string(source), "give a KubeVirt VM or VMI as YAML or JSON");
    }
    VmDocument vm;
    vm.kind = *kind;
    const Json& metadata = object_at(doc, "metadata", "/metadata", source);
    vm.name = string_at(metadata, "name", "/metadata/name", source);
    if (vm.name.empty()) throw Error("the VM has no name", std::string(source) + ":/metadata/name", "set metadata.name");
    vm.namespace_name = string_at(metadata, "namespace", "/metadata/namespace", source);
    const Json& spec = object_at(doc, "spec", "/spec", source);
    if (vm.kind == Kind::VirtualMachine) {
        const Json& tmpl = object_at(spec, "template", "/spec/template", source);
        vm.vmi_spec = object_at(tmpl, "spec", "/spec/template/spec", source);
        vm.spec_pointer = "/spec/template/spec";
    } else {
        vm.vmi_spec = spec;
        vm.spec_pointer = "/spec";
        if (auto st = doc.find("status"); st != doc.end() && st->is_object()) vm.status = *st;
    }
    return vm;
}

}  // namespace kvpod::kubevirt
