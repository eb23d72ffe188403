// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <stdlib.h>

#include <string>
#include <vector>

#include "hook/command_line.hpp"
#include "test_support.hpp"

using kvpod::hook::Command;
using kvpod::hook::CommandLine;
using kvpod::hook::RuntimeStage;
using kvpod::testing::error_of;

namespace {

constexpr const char* kDefaultConfig = "/etc/kubevirt-vm-to-pod/hook.yaml";

CommandLine parse(std::vector<std::string> words) {
    words.insert(words.begin(), "oci-kubevirt-hook");
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    return kvpod::hook::parse_command_line(static_cast<int>(argv.size()), argv.data(), kDefaultConfig);
}

}  // namespace

TEST_CASE("the hooks.d argv and the commands read as they are written, options before or after operands") {
    auto precreate = parse({});
    CHECK(precreate.command == Command::Precreate);
    CHECK(precreate.run.host_root == "/");
    CHECK(precreate.run.config_path == kDefaultConfig);
    CHECK(precreate.run.config_cache_dir == kvpod::hook::kConfigCacheDir);
    CHECK_FALSE(precreate.log_stderr);

    auto tested = parse({"--host-root", "/tmp/root", "--config=/tmp/hook.yaml", "--log-stderr",
                         "--debug-stall-after-claim", "30", "--config-cache-dir", ""});
    CHECK(tested.command == Command::Precreate);
    CHECK(tested.run.host_root == "/tmp/root");
    CHECK(tested.run.config_path == "/tmp/hook.yaml");
    CHECK(tested.log_stderr);
    CHECK(tested.run.debug_stall_after_claim == 30);
    CHECK(tested.run.config_cache_dir.empty());

    auto plan = parse({"plan", "vm.yaml", "--host-root", "/tmp/root"});
    CHECK(plan.command == Command::Plan);
    CHECK(plan.vm_file == "vm.yaml");
    CHECK(plan.run.host_root == "/tmp/root");

    auto poststop = parse({"runtime-hook", "--state-dir", "/run/x", "Poststop"});
    CHECK(poststop.command == Command::RuntimeHook);
    CHECK(poststop.stage == RuntimeStage::Poststop);
    CHECK(poststop.state_dir == "/run/x");
    CHECK(parse({"runtime-hook", "create-runtime", "--state-dir", "/run/x"}).stage == RuntimeStage::CreateRuntime);

    CHECK(parse({"--config", "x", "--help"}).command == Command::Help);
    CHECK(parse({"-h"}).command == Command::Help);
    CHECK(parse({"--version"}).command == Command::Version);
}

TEST_CASE("a usage mistake names the argument and points at --help") {
    struct Case {
        std::vector<std::string> words;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{"--bogus"}, "unknown option --bogus; see oci-kubevirt-hook --help"},
        {{"--bogus=1"}, "unknown option --bogus; see oci-kubevirt-hook --help"},
        {{"-x"}, "unknown option -x; see oci-kubevirt-hook --help"},
        {{"--config"}, "--config needs a value; see oci-kubevirt-hook --help"},
        {{"plan"}, "plan takes one VMFILE (a VirtualMachine or VirtualMachineInstance); see oci-kubevirt-hook --help"},
        {{"plan", "a.yaml", "b.yaml"},
         "plan takes one VMFILE (a VirtualMachine or VirtualMachineInstance); see oci-kubevirt-hook --help"},
        {{"plan", "--state-dir", "x", "vm.yaml"}, "--state-dir is not an option of plan; see oci-kubevirt-hook --help"},
        {{"--state-dir", "x"},
         "--state-dir is not an option of the precreate hook (no command); see oci-kubevirt-hook --help"},
        {{"runtime-hook", "poststop", "--config", "x", "--state-dir", "d"},
         "--config is not an option of runtime-hook; see oci-kubevirt-hook --help"},
        {{"runtime-hook", "poststop"}, "runtime-hook needs --state-dir DIR; see oci-kubevirt-hook --help"},
        {{"runtime-hook", "prestart", "--state-dir", "d"},
         "runtime-hook stage 'prestart' is neither create-runtime nor poststop; see oci-kubevirt-hook --help"},
        {{"--debug-stall-after-claim", "abc"},
         "--debug-stall-after-claim needs a number of seconds, not 'abc'; see oci-kubevirt-hook --help"},
        {{"--debug-stall-after-claim", "-1"},
         "--debug-stall-after-claim needs a number of seconds, not '-1'; see oci-kubevirt-hook --help"},
        {{"release"}, "unknown command 'release' (commands: plan, runtime-hook); see oci-kubevirt-hook --help"},
        // getopt_long would take these prefixes for whole names: a typo must not mean another option.
        {{"--host", "/x"}, "unknown option --host; see oci-kubevirt-hook --help"},
        {{"--ver"}, "unknown option --ver; see oci-kubevirt-hook --help"},
        {{"runtime-hook", "poststop", "--state=/x"}, "unknown option --state; see oci-kubevirt-hook --help"},
        {{"--log-stderr=1"}, "--log-stderr takes no value; see oci-kubevirt-hook --help"},
        {{"--version=1"}, "--version takes no value; see oci-kubevirt-hook --help"},
        {{"--help=1"}, "--help takes no value; see oci-kubevirt-hook --help"},
        {{"--log-stderr", "-xy"}, "unknown option -x; see oci-kubevirt-hook --help"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.expected);
        CHECK(error_of([&] { parse(c.words); }) == c.expected);
    }
}

TEST_CASE("a value that looks like an option, \"--\", and POSIXLY_CORRECT change nothing") {
    CHECK(parse({"--config", "--odd-name.yaml"}).run.config_path == "--odd-name.yaml");
    CHECK(parse({"plan", "--", "--vm.yaml"}).vm_file == "--vm.yaml");
    // The runtime hooks the hook writes put --state-dir after the stage; glibc
    // stops at the first operand under POSIXLY_CORRECT unless told otherwise.
    ::setenv("POSIXLY_CORRECT", "1", 1);
    auto line = parse({"runtime-hook", "poststop", "--state-dir", "/run/x"});
    ::unsetenv("POSIXLY_CORRECT");
    CHECK(line.command == Command::RuntimeHook);
    CHECK(line.stage == RuntimeStage::Poststop);
    CHECK(line.state_dir == "/run/x");
}

TEST_CASE("--help names every option and the default configuration") {
    auto text = kvpod::hook::usage(kDefaultConfig);
    for (const char* word : {"--host-root DIR", "--config FILE", "--log-stderr", "--version", "--help", "plan",
                             "runtime-hook create-runtime|poststop --state-dir DIR", kDefaultConfig})
        CHECK_MESSAGE(text.find(word) != std::string::npos, word);
}
