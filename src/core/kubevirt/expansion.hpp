// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/kubevirt/convert.hpp"

/// Shared by the steps of expand_vmi(): where the VMI spec came from, for
/// messages, and what the caller asked for.
namespace kvpod::kubevirt {

struct ExpansionContext {
    const ConvertOptions& options;
    Diagnostics& diagnostics;
    std::string source;          ///< the VM's file name ("vm.yaml")
    std::string spec_pointer;    ///< the VMI spec in the input: "/spec/template/spec" or "/spec"
    std::string spec_field;      ///< the same as a Kubernetes field path: "spec.template.spec" or "spec"
    std::string metadata_field;  ///< "spec.template.metadata" or "metadata"
    std::string instancetype_source;  ///< the instancetype's file name
    std::string preference_source;    ///< the preference's file name
    const GivenObjects* objects = nullptr;  ///< the Secrets and ConfigMaps given beside the VM

    /// "<source>:<spec pointer><relative>", e.g. at("/domain/cpu").
    std::string at(std::string_view relative) const { return source + ":" + spec_pointer + std::string(relative); }
    /// "<spec field>.<relative>", e.g. field("domain.cpu.sockets").
    std::string field(std::string_view relative) const { return spec_field + "." + std::string(relative); }
    void warn(std::string where, std::string message) const {
        diagnostics.push_back({std::move(where), std::move(message)});
    }
};

}  // namespace kvpod::kubevirt
