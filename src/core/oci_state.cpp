// SPDX-License-Identifier: Apache-2.0
#include "core/oci_state.hpp"

#include "core/document.hpp"
#include "core/error.hpp"

namespace kvpod::oci {

RuntimeState parse_runtime_state(std::string_view json) {
    constexpr std::string_view source = "state";
    auto doc = document::parse_json(json, source, document::Limits{1024 * 1024, 16, 100'000, true});
    if (!doc.is_object()) throw Error("expected a JSON object", "state:/", "is this run by an OCI runtime as a hook?");
    RuntimeState state;
    auto text = [&](const char* key, bool required) {
        auto it = doc.find(key);
        if (it == doc.end() || it->is_null()) {
            if (required) throw Error("missing", std::string("state:/") + key, "is this run by an OCI runtime as a hook?");
            return std::string();
        }
        if (!it->is_string()) throw Error("expected a string", std::string("state:/") + key);
        return it->get<std::string>();
    };
    state.id = text("id", true);
    state.status = text("status", false);
    state.bundle = text("bundle", false);
    if (auto pid = doc.find("pid"); pid != doc.end() && !pid->is_null()) {
        if (!pid->is_number_integer() || pid->get<std::int64_t>() < 0)
            throw Error("expected a process id, found " + pid->dump(), "state:/pid");
        state.pid = pid->get<std::int64_t>();
    }
    if (!state.bundle.empty() && state.bundle.front() != '/')
        throw Error("expected an absolute path", "state:/bundle");
    return state;
}

}  // namespace kvpod::oci
