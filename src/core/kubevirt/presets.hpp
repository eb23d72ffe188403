// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/kubevirt/convert.hpp"
#include "core/kubevirt/expansion.hpp"

/// VirtualMachineInstancePresets, as KubeVirt v1.8's VMI mutating webhook
/// applies them when a VMI is created (virt-api mutators/preset.go), before
/// the VMI's defaults. Deprecated in KubeVirt ("will be removed in v2"), still
/// applied; here they come as documents beside the VM instead of from the
/// cluster.
namespace kvpod::kubevirt {

using Json = nlohmann::json;

/// Whether the Kubernetes label selector `selector` (matchLabels,
/// matchExpressions with In, NotIn, Exists, DoesNotExist) selects `labels`;
/// an empty selector selects everything, as LabelSelectorAsSelector makes it.
/// Throws an Error at `where` for an operator it does not know or values
/// that do not fit the operator.
bool label_selector_matches(const Json& selector, const Json& labels, const std::string& where);

/// Applies to `vmi` (its spec.domain and metadata.annotations) each preset
/// of its namespace whose selector selects its labels, in name order: a
/// domain field the VMI leaves unset is copied (resources.requests, cpu,
/// firmware, clock with its timer, features, devices.watchdog,
/// ioThreadsPolicy); a field the VMI sets otherwise is kept, with a warning,
/// and a preset that sets nothing ends up unapplied, with a warning; an
/// applied preset is named in the annotation
/// virtualmachinepreset.kubevirt.io/NAME. Presets that conflict with each
/// other are an Error, as KubeVirt refuses the VMI; the exclusion annotation
/// virtualmachineinstancepresets.admission.kubevirt.io/exclude: "true"
/// skips them all.
void apply_presets(Json& vmi, const std::vector<GivenObject>& presets, const ExpansionContext& ctx);

}  // namespace kvpod::kubevirt
