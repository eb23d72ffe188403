// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include "host/seccomp_names.hpp"

TEST_CASE("libseccomp resolves syscall names per OCI architecture") {
    auto numbers = kvpod::host::resolve_syscall(
        "userfaultfd", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64", "SCMP_ARCH_S390X", "SCMP_ARCH_NOPE"});
    CHECK(numbers.at("SCMP_ARCH_X86_64") == 323);
    CHECK(numbers.at("SCMP_ARCH_X86") == 374);
    CHECK(numbers.at("SCMP_ARCH_AARCH64") == 282);
    CHECK(numbers.at("SCMP_ARCH_S390X") == 355);
    CHECK_FALSE(numbers.at("SCMP_ARCH_NOPE").has_value());
    // A name that is no syscall anywhere.
    auto none = kvpod::host::resolve_syscall("no_such_syscall", {"SCMP_ARCH_X86_64"});
    CHECK_FALSE(none.at("SCMP_ARCH_X86_64").has_value());
}
