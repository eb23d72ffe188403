// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

/// The runtime hooks that precreate adds to a container that holds units:
/// `oci-kubevirt-hook runtime-hook create-runtime|poststop --state-dir DIR`,
/// run by the OCI runtime with its state JSON on stdin.
namespace kvpod::hook {

enum class RuntimeStage {
    CreateRuntime,  ///< rebind the container's pending claim to its init process
    Poststop,       ///< release the claim, remembering the units for a restart
};

/// Runs one runtime hook and returns the exit status. createRuntime fails
/// (status 1, the container does not start) when the claim cannot be kept
/// exclusive; poststop always returns 0, so it never fails `podman rm`: a
/// claim it could not release is freed anyway once its process is gone.
int run_runtime_hook(RuntimeStage stage, std::string_view state_json, const std::string& state_dir);

}  // namespace kvpod::hook
