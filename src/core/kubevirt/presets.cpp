// SPDX-License-Identifier: Apache-2.0
// VirtualMachineInstancePresets: KubeVirt v1.8's virt-api
// mutators/preset.go (filterPresets, checkMergeConflicts, mergeDomainSpec,
// applyPresets), on the VMI as JSON. Go's equality.Semantic.DeepEqual of two
// structs becomes JSON equality of normalised documents (quantities are
// canonical after normalise_document).
#include "core/kubevirt/presets.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "core/json_dump.hpp"
#include "core/json_util.hpp"
#include "core/kubevirt/known_fields.hpp"
#include "core/kubevirt/spec_json.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

constexpr const char* kExclusionAnnotation = "virtualmachineinstancepresets.admission.kubevirt.io/exclude";
constexpr const char* kAppliedAnnotationPrefix = "virtualmachinepreset.kubevirt.io/";

std::string name_of(const Json& doc) { return spec::string(doc.value("metadata", Json::object()), "name"); }

/// checkMergeConflicts: where the preset's domain `p` and the VMI's `v` both
/// set a field and disagree, "spec.FIELD: PRESET != VMI".
std::vector<std::string> merge_conflicts(const Json& p, const Json& v) {
    std::vector<std::string> out;
    auto differ = [&](const std::string& field, const Json& a, const Json& b) {
        if (a != b) out.push_back("spec." + field + ": " + json::dump(a) + " != " + json::dump(b));
    };
    const Json* p_requests = find_path(p, {"resources", "requests"});
    const Json* v_requests = find_path(v, {"resources", "requests"});
    if (p_requests && v_requests)
        for (const auto& [key, value] : p_requests->items())
            if (const Json* mine = spec::get(*v_requests, key)) differ("resources.requests[" + key + "]", value, *mine);
    for (const char* field : {"cpu", "firmware"})
        if (spec::has(p, field) && spec::has(v, field)) differ(field, p[field], v[field]);
    if (spec::has(p, "clock") && spec::has(v, "clock")) {
        Json p_offset = p["clock"], v_offset = v["clock"];
        p_offset.erase("timer");
        v_offset.erase("timer");
        differ("clock.clockoffset", p_offset, v_offset);
        if (spec::has(p["clock"], "timer") && spec::has(v["clock"], "timer"))
            differ("clock.timer", p["clock"]["timer"], v["clock"]["timer"]);
    }
    if (spec::has(p, "features") && spec::has(v, "features")) differ("features", p["features"], v["features"]);
    const Json* p_watchdog = find_path(p, {"devices", "watchdog"});
    const Json* v_watchdog = find_path(v, {"devices", "watchdog"});
    if (p_watchdog && v_watchdog) differ("devices.watchdog", *p_watchdog, *v_watchdog);
    if (spec::has(p, "ioThreadsPolicy") && spec::has(v, "ioThreadsPolicy"))
        differ("ioThreadsPolicy", p["ioThreadsPolicy"], v["ioThreadsPolicy"]);
    return out;
}

/// mergeDomainSpec: copies into the VMI's domain `v` what it leaves unset;
/// true when some field of the preset `p` ends up as the preset has it.
bool merge_domain(const Json& p, Json& v) {
    bool applied = false;
    // Copies p[key] into `into` when unset there; then whether they agree.
    auto take = [&](const Json& from, Json& into, const char* key) {
        if (!spec::has(from, key)) return;
        if (!spec::has(into, key)) into[key] = from[key];
        if (into[key] == from[key]) applied = true;
    };
    if (const Json* requests = find_path(p, {"resources", "requests"}); requests && !requests->empty())
        take(p["resources"], spec::object(v, "resources"), "requests");
    take(p, v, "cpu");
    take(p, v, "firmware");
    if (const Json* clock = spec::get(p, "clock")) {
        if (!spec::has(v, "clock")) {
            // Only the offset comes with a new clock; the timer below.
            Json offset = *clock;
            offset.erase("timer");
            v["clock"] = offset;
        }
        if (v["clock"] == *clock) applied = true;
        if (spec::has(*clock, "timer")) take(*clock, v["clock"], "timer");
    }
    take(p, v, "features");
    if (find_path(p, {"devices", "watchdog"})) take(p["devices"], spec::object(v, "devices"), "watchdog");
    take(p, v, "ioThreadsPolicy");
    return applied;
}

bool requirement_matches(const Json& requirement, const Json& labels, const std::string& where) {
    const std::string key = spec::string(requirement, "key");
    const std::string op = spec::string(requirement, "operator");
    std::set<std::string> values;
    if (const Json* list = spec::get(requirement, "values"))
        for (const auto& value : *list)
            if (value.is_string()) values.insert(value.get<std::string>());
    const Json* label = spec::get(labels, key);
    const bool has_label = label && label->is_string();
    if (op == "In" || op == "NotIn") {
        if (values.empty())
            throw Error("operator " + op + " needs values", where, "list the label values it selects in values");
        const bool in = has_label && values.count(label->get<std::string>());
        return op == "In" ? in : !in;
    }
    if (op == "Exists" || op == "DoesNotExist") {
        if (!values.empty())
            throw Error("operator " + op + " takes no values", where, "remove values, or use In or NotIn");
        return op == "Exists" ? has_label : !has_label;
    }
    throw Error("operator " + text::quoted(op) + " is no label selector operator", where,
                "use In, NotIn, Exists or DoesNotExist");
}

}  // namespace

bool label_selector_matches(const Json& selector, const Json& labels, const std::string& where) {
    bool matches = true;
    if (const Json* match_labels = spec::get(selector, "matchLabels"))
        for (const auto& [key, value] : match_labels->items()) {
            const Json* label = spec::get(labels, key);
            if (!label || *label != value) matches = false;
        }
    if (const Json* expressions = spec::get(selector, "matchExpressions"))
        for (std::size_t i = 0; i < expressions->size(); ++i)
            if (!requirement_matches((*expressions)[i], labels, where + "/matchExpressions/" + std::to_string(i)))
                matches = false;  // every requirement is validated, as the parse does first
    return matches;
}

void apply_presets(Json& vmi, const std::vector<GivenObject>& presets, const ExpansionContext& ctx) {
    if (presets.empty()) return;
    const Json& metadata = vmi["metadata"];
    const Json* annotations = spec::get(metadata, "annotations");
    if (annotations && spec::string(*annotations, kExclusionAnnotation) == "true") {
        ctx.warn(ctx.source, std::string("the VMI's annotation ") + kExclusionAnnotation +
                                 ": \"true\" excludes it from every VirtualMachineInstancePreset: none applied");
        return;
    }
    const std::string vmi_namespace = spec::string(metadata, "namespace");
    const Json labels = spec::get(metadata, "labels") ? metadata["labels"] : Json::object();

    struct Matching {
        std::string name;
        Json domain;
        std::string source;
    };
    std::vector<Matching> matching;
    for (const auto& given : presets) {
        Json preset = given.doc;
        normalise_document(preset, "v1.VirtualMachineInstancePreset", given.source, ctx.diagnostics);
        const std::string name = name_of(preset);
        const Json& preset_metadata = preset["metadata"];
        std::string preset_namespace = spec::string(preset_metadata, "namespace");
        if (preset_namespace.empty()) preset_namespace = "default";
        if (preset_namespace != vmi_namespace) {
            ctx.warn(given.source, "the VirtualMachineInstancePreset " + text::quoted(name) + " is of the namespace " +
                                       text::quoted(preset_namespace) + ", the VMI of " + text::quoted(vmi_namespace) +
                                       ": not applied (presets apply within their namespace)");
            continue;
        }
        const Json& preset_spec = preset.value("spec", Json::object());
        // The API server's schema requires the selector; the preset admitter the domain.
        if (!spec::has(preset_spec, "selector"))
            throw Error("missing; a VirtualMachineInstancePreset needs spec.selector (KubeVirt's schema requires it)",
                        given.source + ":/spec/selector",
                        "add spec.selector with the matchLabels of the VMs it applies to ({} selects every VM)");
        if (!spec::has(preset_spec, "domain"))
            throw Error("missing domain (KubeVirt's preset admitter requires it)", given.source + ":/spec/domain",
                        "add spec.domain with the settings the preset gives");
        const Json& selector = preset_spec["selector"];
        if (!label_selector_matches(selector, labels, given.source + ":/spec/selector")) {
            ctx.warn(given.source, "the VirtualMachineInstancePreset " + text::quoted(name) +
                                       " selects no label of the VMI: not applied");
            continue;
        }
        matching.push_back({name, preset_spec.value("domain", Json::object()), given.source});
    }
    std::sort(matching.begin(), matching.end(), [](const Matching& a, const Matching& b) { return a.name < b.name; });

    // checkPresetConflicts: every pair of matching presets must agree.
    std::vector<std::string> conflicts;
    for (std::size_t i = 0; i < matching.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            for (const auto& c : merge_conflicts(matching[i].domain, matching[j].domain))
                conflicts.push_back("presets " + text::quoted(matching[i].name) + " and " +
                                    text::quoted(matching[j].name) + " conflict: " + c);
    if (!conflicts.empty())
        throw Error("VirtualMachineInstancePresets cannot be applied due to conflicts: " + text::join(conflicts, "; "),
                    ctx.source, "make the presets that select this VM agree, or change their selectors");

    Json& domain = spec::object(vmi["spec"], "domain");
    for (const auto& preset : matching) {
        const std::vector<std::string> kept = merge_conflicts(preset.domain, domain);
        if (merge_domain(preset.domain, domain)) {
            if (!kept.empty())
                ctx.warn(preset.source, "some settings of the VirtualMachineInstancePreset " +
                                            text::quoted(preset.name) + " were not applied (the VM sets them): " +
                                            text::join(kept, "; "));
            spec::object(vmi["metadata"], "annotations")[kAppliedAnnotationPrefix + preset.name] = "kubevirt.io/v1";
        } else {
            ctx.warn(preset.source, "the VirtualMachineInstancePreset " + text::quoted(preset.name) +
                                        " is not applied: the VM sets otherwise everything it would set" +
                                        (kept.empty() ? std::string() : " (" + text::join(kept, "; ") + ")"));
        }
    }
    if (!matching.empty())
        ctx.warn(ctx.source, "VirtualMachineInstancePresets are deprecated in KubeVirt and will be removed in v2 "
                             "(kubevirt.io/v1 says so): an instancetype and a preference do the same");
}

}  // namespace kvpod::kubevirt
