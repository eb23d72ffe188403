// SPDX-License-Identifier: Apache-2.0
// libFuzzer harness for the hook's input path: the runtime config as Podman
// passes it, with a VM spec in an annotation or the env, through selection,
// planning against a fixed host and patching. Only the pure core is linked:
// the harness never touches the machine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/document.hpp"
#include "core/error.hpp"
#include "core/hook/device_plan.hpp"
#include "core/hook/hook_config.hpp"
#include "core/hook/seccomp_profile.hpp"
#include "core/hook/selection.hpp"
#include "core/hook/virt_devices.hpp"
#include "core/oci_config.hpp"

namespace {

const kvpod::hook::HostNodes& host() {
    using kvpod::hook::HostNode;
    static const kvpod::hook::HostNodes nodes = {
        {"/dev/kvm", HostNode{"/dev/kvm", 'c', 10, 232, 0666, 0, 0}},
        {"/dev/net/tun", HostNode{"/dev/net/tun", 'c', 10, 200, 0666, 0, 0}},
        {"/dev/vhost-net", std::nullopt},
    };
    return nodes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kvpod;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    hook::HookConfig config;
    try {
        auto oci_config = document::parse_json(input, "config.json", config.config_limits);
        auto facts = oci::read_facts(oci_config);
        auto selection = hook::select(facts, config.spec_limits);
        if (selection.verdict != hook::Verdict::Compute) return 0;
        hook::DevicePlan plan;
        hook::plan_virt_devices(hook::virt_device_wants(*selection.vm, config), host(), hook::runtime_user(*selection.vm), plan);
        if (!plan.ok()) return 0;
        oci::apply(oci_config, plan.patch);
        hook::allow_syscall(oci_config, "userfaultfd", {{"SCMP_ARCH_X86_64", 323}});
        // Idempotence is a property worth fuzzing too: a second pass changes nothing.
        auto once = oci_config.dump();
        oci::apply(oci_config, plan.patch);
        hook::allow_syscall(oci_config, "userfaultfd", {{"SCMP_ARCH_X86_64", 323}});
        if (oci_config.dump() != once) __builtin_trap();
    } catch (const Error&) {
        // Refusing bad input with an Error is the expected outcome.
    }
    return 0;
}
