// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

/// Writing a Pod as YAML for `podman kube play`, whose parser (go-yaml v2
/// behind sigs.k8s.io/yaml) reads YAML 1.1.
namespace kvpod::kubevirt {

/// Block-style YAML of `doc` in the layout sigs.k8s.io/yaml prints: keys in
/// the object's (sorted) order, two-space indentation, sequence items at
/// their key's indentation. A string is written plain only when neither
/// YAML 1.1 nor 1.2 could read it as anything but that string ("on", "0x1f",
/// "1:20" and "1_000" are quoted); otherwise single-quoted, or double-quoted
/// with JSON escapes when it holds control characters. Ends with a newline.
std::string to_yaml(const nlohmann::json& doc);

/// JSON text (a dump) that a YAML parser reads too, as kube play reads
/// JSON: the characters YAML cannot hold as they are, which JSON leaves raw
/// in strings, become u-escapes, as in to_yaml's double quotes.
std::string yaml_safe_json(std::string_view json);

/// True when `s` may be written as a plain scalar (exposed for tests).
bool yaml_plain_safe(std::string_view s);

}  // namespace kvpod::kubevirt
