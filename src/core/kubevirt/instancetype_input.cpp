// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/instancetype_input.hpp"

#include "core/error.hpp"
#include "core/kubevirt/common_instancetypes.hpp"
#include "core/kubevirt/known_fields.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr const char* kApiVersion = "instancetype.kubevirt.io/v1beta1";

/// What one matcher (spec.instancetype or spec.preference) needs.
struct MatcherKind {
    const char* matcher;        ///< "instancetype" / "preference"
    const char* flag;           ///< "--instancetype-file"
    const char* namespaced;     ///< "VirtualMachineInstancetype"
    const char* cluster;        ///< "VirtualMachineClusterInstancetype"
    const char* annotation;     ///< for the namespaced kind
    const char* cluster_annotation;
    const char* matcher_type;   ///< KubeVirt's name for messages: "InstancetypeMatcher"
};

constexpr MatcherKind kInstancetype = {
    "instancetype", "--instancetype-file", "VirtualMachineInstancetype", "VirtualMachineClusterInstancetype",
    "kubevirt.io/instancetype-name", "kubevirt.io/cluster-instancetype-name", "InstancetypeMatcher"};
constexpr MatcherKind kPreference = {
    "preference", "--preference-file", "VirtualMachinePreference", "VirtualMachineClusterPreference",
    "kubevirt.io/preference-name", "kubevirt.io/cluster-preference-name", "PreferenceMatcher"};

bool is_cluster_kind(const Json& matcher, const MatcherKind& mk) {
    std::string kind = text::to_lower(spec::string(matcher, "kind"));
    std::string lower_cluster = text::to_lower(mk.cluster);
    return kind.empty() || kind == lower_cluster || kind == lower_cluster + "s";
}

/// The kind a matcher's `kind` selects, or an Error for anything else.
std::string expected_kind(const Json& matcher, const MatcherKind& mk, const ExpansionContext& ctx) {
    std::string kind = text::to_lower(spec::string(matcher, "kind"));
    std::string lower_namespaced = text::to_lower(mk.namespaced);
    std::string lower_cluster = text::to_lower(mk.cluster);
    if (kind == lower_namespaced || kind == lower_namespaced + "s") return mk.namespaced;
    if (is_cluster_kind(matcher, mk)) return mk.cluster;
    throw Error(std::string("got unexpected kind in ") + mk.matcher_type + ": " + spec::string(matcher, "kind"),
                ctx.source + ":/spec/" + mk.matcher + "/kind",
                std::string("use ") + mk.namespaced + " or " + mk.cluster);
}

/// The bundle's names grouped by the part before the first '.': "u1.*" for
/// a series of several, the name itself for one alone ("alpine").
std::string bundle_families(const std::vector<std::string_view>& names) {
    std::vector<std::string> families;
    for (std::size_t i = 0; i < names.size();) {
        std::string_view family = names[i].substr(0, names[i].find('.'));
        std::size_t end = i;
        while (end < names.size() && names[end].substr(0, names[end].find('.')) == family) ++end;
        families.push_back(end - i == 1 ? std::string(names[i]) : std::string(family) + ".*");
        i = end;
    }
    return text::join(families, ", ");
}

/// How to give a cluster instancetype or preference named `name` that the
/// bundle lacks: the flag, and the bundle's names of the same family (or
/// all families when none shares it).
std::string how_to_give(const std::string& name, const MatcherKind& mk, common_instancetypes::Kind kind) {
    const auto names = common_instancetypes::names(kind);
    const std::string_view family = std::string_view(name).substr(0, name.find('.'));
    std::vector<std::string> same_family;
    for (auto n : names)
        if (n.substr(0, n.find('.')) == family) same_family.emplace_back(n);
    std::string known = same_family.empty() ? "of the families " + bundle_families(names)
                                            : text::join(same_family, ", ");
    return std::string("give its YAML with ") + mk.flag + " or as another document of the VM's file, or name one of " +
           "common-instancetypes " + std::string(common_instancetypes::version()) + "'s " + mk.matcher + "s: " + known;
}

/// The bundle's document for one matcher when none was given: a cluster
/// kind with a name. Sets `doc_source` to where it came from.
std::optional<Json> from_bundle(const Json& vm, const MatcherKind& mk, common_instancetypes::Kind kind,
                                const std::string& source, std::string& doc_source) {
    const Json* vm_spec = spec::get(vm, "spec");
    const Json* matcher = vm_spec ? spec::get(*vm_spec, mk.matcher) : nullptr;
    if (!matcher || !matcher->is_object() || !spec::string(*matcher, "inferFromVolume").empty() ||
        !is_cluster_kind(*matcher, mk))
        return std::nullopt;
    const std::string name = spec::string(*matcher, "name");
    if (name.empty()) return std::nullopt;
    auto doc = common_instancetypes::find(kind, name);
    if (!doc)
        throw Error(std::string("the VM references ") + mk.cluster + " " + text::quoted(name) + " but no " + mk.matcher +
                        " was given and KubeVirt's common " + mk.matcher + "s (" +
                        std::string(common_instancetypes::version()) + ") have none of that name",
                    source + ":/spec/" + mk.matcher + "/name", how_to_give(name, mk, kind));
    doc_source = "common-instancetypes " + std::string(common_instancetypes::version()) + " " + name;
    return doc;
}

Json select_one(const Json& vm, const std::optional<Json>& given, const std::string& given_source,
                const MatcherKind& mk, Json& annotations, const ExpansionContext& ctx) {
    const std::string matcher_at = ctx.source + ":/spec/" + mk.matcher;
    const Json* matcher = spec::get(vm.at("spec"), mk.matcher);
    if (!matcher) {
        throw Error(std::string("the VM references no ") + mk.matcher + " but " + mk.flag + " was given",
                    matcher_at, std::string("add spec.") + mk.matcher + " {kind, name} to the VM, or leave out " + mk.flag);
    }
    if (!spec::string(*matcher, "inferFromVolume").empty())
        throw Error(std::string("spec.") + mk.matcher + ".inferFromVolume needs the cluster to read the volume's labels",
                    matcher_at + "/inferFromVolume",
                    std::string("name the ") + mk.matcher + " in spec." + mk.matcher + ".name and give it with " + mk.flag);
    const std::string name = spec::string(*matcher, "name");
    if (name.empty())
        throw Error(std::string("Either Name or InferFromVolume should be provided within the ") + mk.matcher_type,
                    matcher_at, std::string("set spec.") + mk.matcher + ".name");
    const std::string kind = expected_kind(*matcher, mk, ctx);
    if (!given)
        throw Error("the VM references " + kind + " " + text::quoted(name) + " but no " + mk.matcher + " was given",
                    matcher_at, std::string("give its YAML with ") + mk.flag);

    Json doc = *given;
    if (!doc.is_object())
        throw Error(std::string("not a ") + kind + " document", given_source, std::string("give a ") + kind + " with " + mk.flag);
    const std::string doc_kind = spec::string(doc, "kind");
    if (doc_kind != kind)
        throw Error("the VM references a " + kind + " but " + mk.flag + " holds " +
                        (doc_kind.empty() ? std::string("no kind") : "a " + doc_kind),
                    given_source + ":/kind",
                    std::string("give the ") + kind + " " + text::quoted(name) + ", or change spec." + mk.matcher +
                        ".kind in the VM");
    const std::string api = spec::string(doc, "apiVersion");
    if (api != kApiVersion)
        throw Error("apiVersion " + text::quoted(api) + " is not supported", given_source + ":/apiVersion",
                    std::string("use ") + kApiVersion);
    std::string definition = std::string("v1beta1.") + kind;
    normalise_document(doc, definition, given_source, ctx.diagnostics);
    std::string doc_name;
    if (const Json* metadata = spec::get(doc, "metadata")) doc_name = spec::string(*metadata, "name");
    if (doc_name != name)
        throw Error("the VM references " + kind + " " + text::quoted(name) + " but " + mk.flag + " holds " +
                        text::quoted(doc_name),
                    given_source + ":/metadata/name", std::string("give the ") + mk.matcher + " the VM names");
    if (!spec::string(*matcher, "revisionName").empty())
        ctx.warn(matcher_at + "/revisionName",
                 std::string("revisionName names a ControllerRevision in the cluster; the ") + mk.matcher + " from " +
                     mk.flag + " is used instead");

    annotations[kind == mk.namespaced ? mk.annotation : mk.cluster_annotation] = name;
    const Json* doc_spec = spec::get(doc, "spec");
    return doc_spec ? *doc_spec : Json::object();
}

void require(const Json& it_spec, const char* parent, const char* key, const std::string& source) {
    const Json* p = spec::get(it_spec, parent);
    if (!p || !spec::has(*p, key))
        throw Error(std::string("the instancetype has no spec.") + parent + "." + key,
                    source + ":/spec/" + parent + "/" + key, std::string("set spec.") + parent + "." + key);
}

}  // namespace

InstancetypeDocuments resolve_instancetype_documents(const Json& vm, bool is_vm, const VmInput& input,
                                                     const std::string& source) {
    InstancetypeDocuments out{input.instancetype, input.preference, input.instancetype_source, input.preference_source};
    if (!is_vm) return out;
    if (!out.instancetype)
        out.instancetype = from_bundle(vm, kInstancetype, common_instancetypes::Kind::Instancetype, source,
                                       out.instancetype_source);
    if (!out.preference)
        out.preference = from_bundle(vm, kPreference, common_instancetypes::Kind::Preference, source,
                                     out.preference_source);
    return out;
}

InstancetypeSelection select_instancetype(const Json& vm, bool is_vm, const InstancetypeDocuments& input,
                                          const ExpansionContext& ctx) {
    InstancetypeSelection out;
    if (!is_vm) {
        if (input.instancetype || input.preference)
            throw Error("a VirtualMachineInstance cannot reference an instancetype or a preference", ctx.source,
                        "give a VirtualMachine that names them in spec.instancetype / spec.preference, or leave out "
                        "--instancetype-file and --preference-file");
        return out;
    }
    const Json& vm_spec = vm.at("spec");
    if (spec::has(vm_spec, "instancetype") || input.instancetype) {
        out.instancetype = select_one(vm, input.instancetype, ctx.instancetype_source, kInstancetype,
                                      out.annotations, ctx);
        require(*out.instancetype, "cpu", "guest", ctx.instancetype_source);
        require(*out.instancetype, "memory", "guest", ctx.instancetype_source);
    }
    if (spec::has(vm_spec, "preference") || input.preference)
        out.preference = select_one(vm, input.preference, ctx.preference_source, kPreference, out.annotations, ctx);
    return out;
}

}  // namespace kvpod::kubevirt
