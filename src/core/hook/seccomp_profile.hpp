// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// The compute container's seccomp profile: what KubeVirt's launcher profile
/// adds to the runtime default (pkg/virt-handler/seccomp: userfaultfd moves
/// from the EPERM block to an explicit allow), and nothing more.
namespace kvpod::hook {

/// The syscalls KubeVirt's launcher profile allows beyond the default.
inline const std::vector<std::string>& launcher_extra_syscalls() {
    static const std::vector<std::string> names = {"userfaultfd"};
    return names;
}

/// A syscall's number on each architecture the profile lists
/// ("SCMP_ARCH_X86_64" → 323); nullopt where the architecture has no such
/// syscall or the name is unknown. Filled by the host seam (libseccomp).
using SyscallNumbers = std::map<std::string, std::optional<long>>;

/// The architectures `linux.seccomp.architectures` lists, empty when the
/// container has no profile.
std::vector<std::string> seccomp_architectures(const nlohmann::json& config);

struct SeccompChange {
    std::string syscall;
    bool changed = false;  ///< false: no profile, or already allowed
    std::string why;       ///< for the log and the plan table
    /// How `syscalls` changed, for the hook's fast path to splice it into the
    /// original text: one entry per rule the array held, true where that rule
    /// was removed, and whether one rule was appended. Empty and false when
    /// the array was left alone.
    std::vector<bool> removed;
    bool appended = false;
};

/// Allows `syscall` in the container's profile: removes it from rules that
/// deny it unconditionally and adds one unconditional allow rule. Rules with
/// argument conditions are left alone, so nothing else is loosened. A
/// syscall that exists on none of the listed architectures is not added.
SeccompChange allow_syscall(nlohmann::json& config, const std::string& syscall, const SyscallNumbers& numbers);

}  // namespace kvpod::hook
