// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// The converter's two pure steps: VM → fully defaulted VMI (KubeVirt v1.8's
/// webhooks and controller, in KubeVirt's order) → the virt-launcher Pod for
/// `podman kube play`. Both are deterministic: same input, same bytes.
namespace kvpod::kubevirt {

using Json = nlohmann::json;

/// A warning for the user (stderr), with where it applies.
struct Diagnostic {
    std::string where;    ///< "vm.yaml:/spec/template/spec/domain/memroy"
    std::string message;  ///< what and what to do
};
using Diagnostics = std::vector<Diagnostic>;

struct ConvertOptions {
    std::string launcher_image = "quay.io/kubevirt/virt-launcher:v1.8.0";
    std::string host_architecture = "amd64";  ///< used when the VM sets none
    bool passt = true;                        ///< false: --no-passt
    bool mount_devices = false;
    bool console_proxy = false;
    std::string proxy_image = "quay.io/vladikr/kubevirt-console-proxy:latest";
    int proxy_port = 8080;
};

/// What the user gave: the VM (or VMI) and, when it references them, the
/// instancetype and preference documents.
struct VmInput {
    Json vm;
    std::optional<Json> instancetype;
    std::optional<Json> preference;
    std::string source;  ///< file name for messages
};

/// The VMI KubeVirt v1.8 would run for `input`, with the status fields a
/// standalone virt-launcher needs. Unsupported features are one Error that
/// lists each with its alternative.
Json expand_vmi(const VmInput& input, const ConvertOptions& options, Diagnostics& diagnostics);

/// The Pod (apiVersion v1, kind Pod) that runs `vmi` under podman kube play.
Json render_pod(const Json& vmi, const ConvertOptions& options, Diagnostics& diagnostics);

}  // namespace kvpod::kubevirt
