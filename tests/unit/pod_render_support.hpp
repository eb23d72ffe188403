// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/kubevirt/pod_render.hpp"
#include "pod_support.hpp"
#include "test_support.hpp"

/// Rendering hand-written defaulted VMIs (tests/data/vm2pod) for the pod_*
/// unit tests.
namespace kvpod::testing {

using Json = nlohmann::json;

inline Json cirros(const char* binding = "passt") {
    std::string file = std::string("data/vm2pod/cirros-vmi-") + binding + ".yaml";
    return kvpod::document::parse_yaml(data_file(file), file);
}

/// The cirros VMI with a JSON merge patch applied (null deletes a key).
inline Json variant(const char* patch, const char* binding = "passt") {
    Json vmi = cirros(binding);
    vmi.merge_patch(Json::parse(patch));
    return vmi;
}

struct Rendered {
    Json pod;
    kvpod::kubevirt::Diagnostics warnings;
    std::vector<kvpod::kubevirt::SetupStep> setup;

    const Json& spec() const { return pod["spec"]; }
    const Json& compute() const { return pod["spec"]["containers"][0]; }
    Json requests() const { return compute()["resources"].value("requests", Json::object()); }
    Json limits() const { return compute()["resources"].value("limits", Json::object()); }
    std::string env(const std::string& name) const {
        Json e = named(compute()["env"], name);
        return e.is_null() ? "<absent>" : e.value("value", "<valueFrom>");
    }
    bool warned(const std::string& part) const {
        for (const auto& w : warnings)
            if ((w.where + ": " + w.message).find(part) != std::string::npos) return true;
        return false;
    }
};

/// Renders `vmi` and fails the check for anything pod_problems() finds.
inline Rendered render(const Json& vmi, kvpod::kubevirt::PodOptions pod_options = {},
                       kvpod::kubevirt::ConvertOptions options = {}) {
    Rendered r;
    auto out = kvpod::kubevirt::render_launcher_pod(vmi, options, pod_options, r.warnings);
    r.pod = out.pod;
    r.setup = out.setup;
    auto problems = pod_problems(r.pod);
    for (const auto& p : problems) FAIL_CHECK(p);
    return r;
}

inline kvpod::kubevirt::PodOptions on_podman(const char* version) {
    kvpod::kubevirt::PodOptions o;
    o.podman = kvpod::kubevirt::parse_podman_version(version);
    return o;
}

inline std::vector<std::string> names_of(const Json& list, const char* key = "name") {
    std::vector<std::string> out;
    for (const auto& item : list) out.push_back(item[key]);
    return out;
}

}  // namespace kvpod::testing
