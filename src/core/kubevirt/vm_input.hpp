// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/kubevirt/convert.hpp"

/// What the user handed the converter (and `oci-kubevirt-hook plan`, which
/// plans the VMI the converter would render), from text to the documents it names.
namespace kvpod::kubevirt {

/// A document of an input stream with where it came from, for messages.
struct SourcedDocument {
    Json doc;
    std::string source;  ///< "vm.yaml (document 2)"
    std::string path;    ///< the file it came from; "" for stdin
};

/// Every document of `text` (YAML, a YAML stream, or JSON), read with the
/// bounded reader; empty documents are skipped.
std::vector<SourcedDocument> read_documents(std::string_view text, const std::string& source);

/// The document kinds the converter takes.
enum class DocumentRole { Vm, Instancetype, Preference, Secret, ConfigMap, Preset, Other };
DocumentRole role_of(const Json& doc);

/// Sorts the documents of the main input (and of --instancetype-file and
/// --preference-file) into the VmInput that expand_vmi takes: exactly one
/// VirtualMachine or VirtualMachineInstance; of several instancetypes or
/// preferences, the one the VM names. A document of any other kind is an
/// Error that says what the converter takes.
/// Secrets and ConfigMaps (apiVersion v1) in the main input become the
/// VmInput's objects, with those of --secret-file and --configmap-file.
VmInput select_input(const std::vector<SourcedDocument>& main, const std::vector<SourcedDocument>& instancetypes,
                               const std::vector<SourcedDocument>& preferences,
                               const std::vector<SourcedDocument>& objects = {});

}  // namespace kvpod::kubevirt
