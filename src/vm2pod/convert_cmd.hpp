// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/kubevirt/pod_render.hpp"
#include "core/kubevirt/systemd_unit.hpp"

/// The converter's one command: input files → VMI → Pod text.
namespace kvpod::vm2pod {

struct CommandOptions {
    std::string input;              ///< a file, or "" / "-" for stdin
    std::string instancetype_file;  ///< "" when not given
    std::string preference_file;
    std::vector<std::string> secret_files;     ///< --secret-file, each may hold several Secrets
    std::vector<std::string> configmap_files;  ///< --configmap-file
    std::vector<std::string> podman_secrets;   ///< --podman-secret: Secrets Podman already holds
    kubevirt::ConvertOptions convert;
    std::string podman_version = "5.4";
    std::string output = "yaml";  ///< yaml or json
    std::string host_root = "/";  ///< where --mount-devices looks for device nodes
    std::string hook_config;      ///< the hook's configuration, for --mount-devices
    bool hook_config_given = false;
    bool podman_version_given = false;
    /// For a systemd unit (install): the Pod's restartPolicy is Never, as the
    /// unit restarts it with backoff, and the setup goes into the unit.
    bool for_unit = false;
};

struct CommandOutput {
    std::string text;  ///< the whole stdout, written once by main
    kubevirt::Diagnostics warnings;
    std::vector<kubevirt::SetupStep> setup;
    // For a unit (CommandOptions::for_unit):
    std::string vm_name;
    kubevirt::UnitPolicy policy;
    std::int64_t pod_grace_seconds = 0;
    kubevirt::PodmanVersion podman;
    std::vector<std::string> imported_volumes;  ///< RenderedPod::imported_volumes
};

/// Reads the input (from `stdin_stream` for "-"), expands the VM, renders
/// the Pod and formats it. Everything that fails is an Error; nothing is
/// written here.
CommandOutput run_convert(const CommandOptions& options, std::FILE* stdin_stream);

/// `kubevirt-vm-to-pod podman-secret NAME FILE`: the document `podman secret
/// create NAME -` stores for the Secret NAME of FILE, in the form the
/// Podman of --podman-version reads (core/kubevirt/referenced_objects.hpp).
struct PodmanSecretOptions {
    std::string name;
    std::string file;
    std::string podman_version = "5.4";
};
std::string run_podman_secret(const PodmanSecretOptions& options);

/// "kubevirt-vm-to-pod: warning: WHERE: MESSAGE" lines and the setup
/// commands, for stderr.
std::string format_stderr(const CommandOutput& output);

}  // namespace kvpod::vm2pod
