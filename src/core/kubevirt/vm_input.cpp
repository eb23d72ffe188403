// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/vm_input.hpp"

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/json_util.hpp"
#include "core/kubevirt/referenced_objects.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

/// A top-level string field, "" when missing or of another type: json's
/// value() would throw a type_error for `kind:` (null) or `kind: 5`.
std::string string_field(const Json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string kind_of(const Json& doc) { return string_field(doc, "kind"); }

std::string group_of(const Json& doc) {
    std::string api = string_field(doc, "apiVersion");
    return api.substr(0, api.find('/'));
}

std::string name_of(const Json& doc) {
    const Json* name = find_path(doc, {"metadata", "name"});
    return name && name->is_string() ? name->get<std::string>() : std::string();
}

/// What to do instead, for the KubeVirt kinds people are likely to try.
std::string advice_for(const std::string& kind) {
    if (kind == "VirtualMachinePool" || kind == "VirtualMachineInstanceReplicaSet")
        return "a " + kind + " needs KubeVirt's controllers: convert the VirtualMachine of its template, once per copy";
    if (kind == "VirtualMachineInstanceMigration" || kind == "MigrationPolicy")
        return "a standalone VM cannot migrate: give the VirtualMachine itself";
    return "give a VirtualMachine or VirtualMachineInstance, with its instancetype and preference if it names them";
}

/// Of several instancetypes (or preferences), the one `matcher` (the VM's
/// spec.instancetype or spec.preference) names; the only one when it is alone.
std::optional<Json> choose(const std::vector<const SourcedDocument*>& candidates, const Json* matcher, const char* what,
                           const char* flag) {
    if (candidates.empty()) return std::nullopt;
    if (candidates.size() == 1) return candidates.front()->doc;
    std::string wanted = matcher && matcher->is_object() ? string_field(*matcher, "name") : std::string();
    const SourcedDocument* found = nullptr;
    for (const auto* c : candidates) {
        if (name_of(c->doc) != wanted) continue;
        if (found)
            throw Error("two " + std::string(what) + "s are named " + text::quoted(wanted), c->source,
                        std::string("give only the one the VM uses (") + flag + ")");
        found = c;
    }
    if (!found)
        throw Error("the input holds " + std::to_string(candidates.size()) + " " + what + "s and the VM names " +
                        (wanted.empty() ? std::string("none of them") : text::quoted(wanted) + ", which is not among them"),
                    candidates.front()->source, std::string("give only the one the VM uses (") + flag + ")");
    return found->doc;
}

}  // namespace

std::vector<SourcedDocument> read_documents(std::string_view text, const std::string& source) {
    std::vector<Json> docs;
    std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && (text[first] == '{' || text[first] == '['))
        docs.push_back(document::parse_json(text, source));
    else
        docs = document::parse_yaml_stream(text, source);

    // A kubectl-style List carries its documents as items.
    if (docs.size() == 1 && docs[0].is_object() && kind_of(docs[0]) == "List" && docs[0].contains("items") &&
        docs[0]["items"].is_array()) {
        Json items = docs[0]["items"];
        docs.assign(items.begin(), items.end());
    }
    std::vector<SourcedDocument> out;
    for (std::size_t i = 0; i < docs.size(); ++i) {
        std::string where = docs.size() == 1 ? source : source + " (document " + std::to_string(i + 1) + ")";
        if (!docs[i].is_object() || kind_of(docs[i]).empty())
            throw Error("is not a Kubernetes object (no kind)", where,
                        "give a VirtualMachine or VirtualMachineInstance in YAML or JSON");
        out.push_back({std::move(docs[i]), where, ""});
    }
    return out;
}

DocumentRole role_of(const Json& doc) {
    std::string kind = kind_of(doc), group = group_of(doc);
    if (string_field(doc, "apiVersion") == "v1" && kind == "Secret") return DocumentRole::Secret;
    if (string_field(doc, "apiVersion") == "v1" && kind == "ConfigMap") return DocumentRole::ConfigMap;
    if (group == "kubevirt.io" && (kind == "VirtualMachine" || kind == "VirtualMachineInstance")) return DocumentRole::Vm;
    if (group == "kubevirt.io" && kind == "VirtualMachineInstancePreset") return DocumentRole::Preset;
    if (group == "instancetype.kubevirt.io") {
        if (kind == "VirtualMachineInstancetype" || kind == "VirtualMachineClusterInstancetype")
            return DocumentRole::Instancetype;
        if (kind == "VirtualMachinePreference" || kind == "VirtualMachineClusterPreference") return DocumentRole::Preference;
    }
    return DocumentRole::Other;
}

VmInput select_input(const std::vector<SourcedDocument>& main, const std::vector<SourcedDocument>& instancetypes,
                               const std::vector<SourcedDocument>& preferences,
                               const std::vector<SourcedDocument>& objects) {
    std::vector<const SourcedDocument*> vms, its, prefs, given, presets;
    for (const auto& d : objects) {
        DocumentRole role = role_of(d.doc);
        if (role != DocumentRole::Secret && role != DocumentRole::ConfigMap)
            throw Error("a " + kind_of(d.doc) + " is not a Secret or ConfigMap (apiVersion: v1)", d.source,
                        "give --secret-file and --configmap-file Secret and ConfigMap documents");
        given.push_back(&d);
    }
    for (const auto& d : main) {
        switch (role_of(d.doc)) {
        case DocumentRole::Secret:
        case DocumentRole::ConfigMap: given.push_back(&d); break;
        case DocumentRole::Vm: vms.push_back(&d); break;
        case DocumentRole::Instancetype: its.push_back(&d); break;
        case DocumentRole::Preference: prefs.push_back(&d); break;
        case DocumentRole::Preset: presets.push_back(&d); break;
        case DocumentRole::Other:
            throw Error("a " + kind_of(d.doc) + " (" + (group_of(d.doc).empty() ? std::string("no apiVersion") : string_field(d.doc, "apiVersion")) +
                            ") is not something kubevirt-vm-to-pod converts",
                        d.source, advice_for(kind_of(d.doc)));
        }
    }
    auto only = [](const std::vector<SourcedDocument>& docs, DocumentRole role, const char* flag, const char* what,
                   std::vector<const SourcedDocument*>& into) {
        for (const auto& d : docs) {
            if (role_of(d.doc) != role)
                throw Error("a " + kind_of(d.doc) + " is not " + what, d.source,
                            std::string("give ") + flag + " " + what + " document");
            into.push_back(&d);
        }
    };
    only(instancetypes, DocumentRole::Instancetype, "--instancetype-file",
         "an instancetype (VirtualMachineInstancetype or VirtualMachineClusterInstancetype)", its);
    only(preferences, DocumentRole::Preference, "--preference-file",
         "a preference (VirtualMachinePreference or VirtualMachineClusterPreference)", prefs);

    if (vms.empty()) {
        std::string source = main.empty() ? std::string("input") : main.front().source;
        if (main.empty()) throw Error("holds no document", source, "give a VirtualMachine or VirtualMachineInstance");
        const SourcedDocument& d = main.front();
        DocumentRole role = role_of(d.doc);
        std::string how = role == DocumentRole::Instancetype ? "give this file with --instancetype-file"
                          : role == DocumentRole::Secret       ? "give this file with --secret-file"
                          : role == DocumentRole::ConfigMap    ? "give this file with --configmap-file"
                          : role == DocumentRole::Preset       ? "put the preset in the VM's file, beside it"
                                                               : "give this file with --preference-file";
        throw Error("holds no VirtualMachine or VirtualMachineInstance, only a " + kind_of(d.doc) + " " +
                        text::quoted(name_of(d.doc)),
                    source, "convert the VM that uses it and " + how);
    }
    if (vms.size() > 1)
        throw Error("holds " + std::to_string(vms.size()) + " VMs (" + text::quoted(name_of(vms[0]->doc)) + ", " +
                        text::quoted(name_of(vms[1]->doc)) + (vms.size() > 2 ? ", ..." : "") + ")",
                    vms[1]->source, "convert one VM at a time: one Pod runs one VM");

    const Json& vm = vms.front()->doc;
    VmInput input;
    input.vm = vm;
    input.source = vms.front()->source;
    input.instancetype = choose(its, find_path(vm, {"spec", "instancetype"}), "instancetype", "--instancetype-file");
    input.preference = choose(prefs, find_path(vm, {"spec", "preference"}), "preference", "--preference-file");
    for (const auto* d : given) kubevirt::add_given_object(input.objects, {d->doc, d->source, d->path});
    for (const auto* d : presets) input.presets.push_back({d->doc, d->source, d->path});
    return input;
}

}  // namespace kvpod::kubevirt
