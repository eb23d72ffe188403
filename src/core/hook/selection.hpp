// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include "core/document.hpp"
#include "core/kubevirt/vm_document.hpp"
#include "core/oci_config.hpp"

/// Which containers the hook acts on, and where their VM spec comes from.
namespace kvpod::hook {

inline constexpr std::string_view kVmAnnotation = "kubevirt-vm-to-pod/vm";
inline constexpr std::string_view kSandboxAnnotation = "io.kubernetes.cri-o.SandboxID";
inline constexpr std::string_view kVmiEnv = "STANDALONE_VMI";

enum class Verdict {
    NotOurs,     ///< no kubevirt-vm-to-pod/vm annotation: pass through
    NotCompute,  ///< an init container or sidecar of a VM pod: pass through
    Compute,     ///< the VM's compute container: give it devices
};

struct Selection {
    Verdict verdict = Verdict::NotOurs;
    std::string reason;                     ///< one phrase for the log
    std::optional<kubevirt::VmDocument> vm;  ///< set for Compute
    std::string spec_source;                 ///< "annotation kubevirt-vm-to-pod/vm" or "env STANDALONE_VMI"
    std::string marker;                      ///< the annotation value when it is a name, not a spec
};

/// Decides what the container is. Errors (a spec that does not parse, a
/// document of another kind, a compute container without any spec) carry
/// the source of the text in their location.
Selection select(const oci::ContainerFacts& facts, const document::Limits& spec_limits);

}  // namespace kvpod::hook
