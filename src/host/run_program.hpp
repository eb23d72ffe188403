// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

/// Runs a program and collects what it prints: the converter's console asks
/// Podman about a container this way.
namespace kvpod::host {

struct ProgramOutput {
    int exit_status = -1;  ///< its exit status, or 128 + N when signal N ended it
    std::string out;       ///< what it wrote on stdout
    std::string err;       ///< what it wrote on stderr
};

/// Runs argv[0] (looked up in PATH when it holds no '/') with argv, this
/// process's environment, and /dev/null as stdin, so that it cannot take
/// input meant for someone else; waits for it. Each of stdout and stderr
/// is kept up to `max_bytes`; more is an Error, as is a program that cannot
/// be run ("cannot run PROGRAM: <reason>").
ProgramOutput run_program(const std::vector<std::string>& argv, std::size_t max_bytes = 1 << 20);

}  // namespace kvpod::host
