// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

/// A KubeVirt VirtualMachine or VirtualMachineInstance document, reduced to
/// the parts that describe the guest: the VMI spec (a VM's template spec)
/// and the VMI status when there is one.
namespace kvpod::kubevirt {

using Json = nlohmann::json;

enum class Kind { VirtualMachine, VirtualMachineInstance };

struct VmDocument {
    Kind kind = Kind::VirtualMachineInstance;
    std::string name;
    std::string namespace_name;  ///< "" when the document names none
    Json vmi_spec;               ///< spec (VMI) or spec.template.spec (VM); always an object
    Json status;                 ///< VMI status or null
    std::string spec_pointer;    ///< "/spec" or "/spec/template/spec", for messages
};

/// The kind of a KubeVirt document ("apiVersion: kubevirt.io/<v>"), or nullopt
/// when `doc` is something else.
std::optional<Kind> kind_of(const Json& doc);

/// Reads a VM or VMI. `source` names the text for messages ("env STANDALONE_VMI").
/// A document of another kind, or one without a usable spec, is an Error.
VmDocument read_vm_document(const Json& doc, std::string_view source);

std::string_view kind_name(Kind kind);

}  // namespace kvpod::kubevirt
