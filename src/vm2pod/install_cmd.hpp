// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>

#include "vm2pod/convert_cmd.hpp"

/// kubevirt-vm-to-pod install and uninstall: a VM's Pod and systemd unit,
/// where systemd and Quadlet look.
namespace kvpod::vm2pod {

struct InstallOptions {
    CommandOptions convert;  ///< as convert; --host-root also roots the files written
    bool force = false;      ///< replace a unit already installed
    std::string podman = "podman";  ///< asked for its version when --podman-version is not given
};

struct UninstallOptions {
    std::string vm;
    std::string host_root = "/";
};

/// Converts, renders the unit and writes both; returns what to print on
/// stdout. Warnings go to `err`.
std::string run_install(const InstallOptions& options, std::FILE* stdin_stream, std::string& err);

std::string run_uninstall(const UninstallOptions& options);

/// The Podman version `podman --version` prints ("podman version 4.3.1").
std::string podman_version_from(const std::string& version_output);

}  // namespace kvpod::vm2pod
