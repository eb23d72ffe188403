// SPDX-License-Identifier: Apache-2.0
#include "host/seccomp_names.hpp"

#include <seccomp.h>

#include "core/text.hpp"

namespace kvpod::host {

hook::SyscallNumbers resolve_syscall(const std::string& syscall, const std::vector<std::string>& oci_architectures) {
    hook::SyscallNumbers numbers;
    for (const auto& oci_arch : oci_architectures) {
        // OCI names architectures "SCMP_ARCH_X86_64"; libseccomp wants "x86_64".
        std::string name = oci_arch;
        if (text::starts_with(name, "SCMP_ARCH_")) name = name.substr(10);
        std::uint32_t token = ::seccomp_arch_resolve_name(text::to_lower(name).c_str());
        if (token == 0) {
            numbers[oci_arch] = std::nullopt;
            continue;
        }
        int nr = ::seccomp_syscall_resolve_name_arch(token, syscall.c_str());
        // Negative numbers are libseccomp's pseudo-syscalls: absent on that arch.
        numbers[oci_arch] = nr >= 0 ? std::optional<long>(nr) : std::nullopt;
    }
    return numbers;
}

}  // namespace kvpod::host
