// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "core/hook/seccomp_profile.hpp"

namespace kvpod::host {

/// `syscall`'s number on each OCI seccomp architecture ("SCMP_ARCH_AARCH64"),
/// resolved by libseccomp; nullopt where it does not exist or the
/// architecture is unknown to libseccomp.
hook::SyscallNumbers resolve_syscall(const std::string& syscall, const std::vector<std::string>& oci_architectures);

}  // namespace kvpod::host
