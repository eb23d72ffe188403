// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <vector>

#include "core/hook/seccomp_profile.hpp"

using Json = nlohmann::json;
using kvpod::hook::allow_syscall;
using kvpod::hook::SyscallNumbers;

TEST_CASE("userfaultfd is allowed the way KubeVirt's launcher profile does it, and nothing else loosens") {
    const SyscallNumbers x86 = {{"SCMP_ARCH_X86_64", 323}};
    struct Case {
        const char* name;
        const char* profile;     // linux.seccomp, or null
        const char* expected;    // linux.seccomp afterwards
        bool changed;
    };
    const std::vector<Case> cases = {
        {"in a shared EPERM block",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["bpf", "userfaultfd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}, {"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         true},
        {"alone in an EPERM block",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ERRNO"}]})",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         true},
        {"denied by default, listed nowhere",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]})",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         true},
        {"a conditional rule is left alone",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}, {"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         true},
        {"already allowed",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW"}]})",
         false},
        {"permissive default", R"({"defaultAction": "SCMP_ACT_ALLOW"})", R"({"defaultAction": "SCMP_ACT_ALLOW"})", false},
        {"no profile (unconfined)", nullptr, nullptr, false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Json config = {{"process", Json::object()}, {"linux", Json::object()}};
        if (c.profile) config["linux"]["seccomp"] = Json::parse(c.profile);
        auto change = allow_syscall(config, "userfaultfd", x86);
        CHECK(change.changed == c.changed);
        if (c.expected) CHECK(config["linux"]["seccomp"] == Json::parse(c.expected));
        else CHECK_FALSE(config["linux"].contains("seccomp"));
        Json again = config;
        CHECK_FALSE(allow_syscall(again, "userfaultfd", x86).changed);
        CHECK(again == config);
    }
}

TEST_CASE("a syscall no listed architecture has is not added") {
    Json config = {{"linux", {{"seccomp", {{"defaultAction", "SCMP_ACT_ERRNO"}, {"architectures", {"SCMP_ARCH_FOO"}}}}}}};
    auto change = allow_syscall(config, "userfaultfd", SyscallNumbers{{"SCMP_ARCH_FOO", std::nullopt}});
    CHECK_FALSE(change.changed);
    CHECK(change.why == "no architecture of the profile has it");
    CHECK(kvpod::hook::seccomp_architectures(config) == std::vector<std::string>{"SCMP_ARCH_FOO"});
}
