// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

/// The OCI runtime state that runc gives a runtime hook on stdin
/// (runtime-spec runtime.md "State"): `{"ociVersion", "id", "status", "pid",
/// "bundle", "annotations"}`. `pid` is absent once the container stopped.
namespace kvpod::oci {

struct RuntimeState {
    std::string id;
    std::string status;    ///< "creating", "created", "running", "stopped"
    std::int64_t pid = 0;  ///< 0 when absent
    std::string bundle;    ///< absolute path of the bundle directory
};

/// Parses the state JSON (bounded: it comes from the runtime, but carries the
/// container's annotations). Errors name the field as "state:/<key>".
RuntimeState parse_runtime_state(std::string_view json);

}  // namespace kvpod::oci
