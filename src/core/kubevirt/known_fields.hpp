// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include "core/kubevirt/convert.hpp"

/// Reading a KubeVirt document the way the Kubernetes API server decodes it
/// into KubeVirt v1.8's Go types, checked against the generated table of
/// KubeVirt's OpenAPI definitions (known_fields_table.hpp).
namespace kvpod::kubevirt {

/// Normalises `doc`, read as the OpenAPI definition `definition`
/// ("v1.VirtualMachine", "v1beta1.VirtualMachinePreference", ...):
/// - an unknown field, or one KubeVirt v1.8 does not have yet, is removed
///   with a Diagnostic {"<source>:<pointer>", "unknown field \"memroy\",
///   ignored (did you mean \"memory\"?)"} (the suggestion only when a known
///   field is a typo away), or "field \"portRanges\" is newer than KubeVirt
///   v1.8, ignored";
/// - a null value is removed (Go decodes it as the zero value);
/// - a quantity is rewritten in Kubernetes' canonical form ("1024Mi" → "1Gi",
///   1 → "1"), as it reads back from the API server.
/// Values of the wrong type are an Error: with one, "<source>:<pointer>:
/// expected an integer, found a string (\"2\")"; with several, "<source>:
/// values of the wrong type: <pointer>: expected ..., found ... | <pointer>:
/// ..." — each with the fix "write each value with the type KubeVirt's API
/// defines".
void normalise_document(Json& doc, std::string_view definition, std::string_view source, Diagnostics& diagnostics);

}  // namespace kvpod::kubevirt
