// SPDX-License-Identifier: Apache-2.0
#include "hook/command_line.hpp"

#include <strings.h>

#include <charconv>
#include <string_view>
#include <vector>

#include "core/arguments.hpp"
#include "core/error.hpp"

namespace kvpod::hook {
namespace {

constexpr const char* kSeeHelp = "see oci-kubevirt-hook --help";

enum Option : int {
    kOptionHostRoot = 1000,
    kOptionConfig,
    kOptionLogStderr,
    kOptionStateDir,
    kOptionDebugStall,
    kOptionConfigCacheDir,
    kOptionInstancetypeFile,
    kOptionPreferenceFile,
    kOptionVersion,
    kOptionHelp = 'h',
};

/// Which commands take each option; an option given to another is an error.
struct OptionUse {
    int option;
    const char* name;
    std::vector<Command> commands;
};

const std::vector<OptionUse>& option_uses() {
    static const std::vector<OptionUse> uses = {
        {kOptionHostRoot, "--host-root", {Command::Precreate, Command::Plan}},
        {kOptionConfig, "--config", {Command::Precreate, Command::Plan}},
        {kOptionLogStderr, "--log-stderr", {Command::Precreate, Command::RuntimeHook}},
        {kOptionStateDir, "--state-dir", {Command::RuntimeHook}},
        {kOptionDebugStall, "--debug-stall-after-claim", {Command::Precreate}},
        {kOptionConfigCacheDir, "--config-cache-dir", {Command::Precreate}},
        {kOptionInstancetypeFile, "--instancetype-file", {Command::Plan}},
        {kOptionPreferenceFile, "--preference-file", {Command::Plan}},
    };
    return uses;
}

const char* command_name(Command command) {
    switch (command) {
    case Command::Plan: return "plan";
    case Command::RuntimeHook: return "runtime-hook";
    default: return "the precreate hook (no command)";
    }
}

Error usage_error(std::string what) { return Error(std::move(what), "", kSeeHelp); }

unsigned parse_seconds(std::string_view text) {
    unsigned value = 0;
    auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (problem != std::errc() || end != text.data() + text.size() || text.empty())
        throw usage_error("--debug-stall-after-claim needs a number of seconds, not '" + std::string(text) + "'");
    return value;
}

RuntimeStage parse_stage(std::string_view text) {
    std::string word(text);
    if (::strcasecmp(word.c_str(), "create-runtime") == 0) return RuntimeStage::CreateRuntime;
    if (::strcasecmp(word.c_str(), "poststop") == 0) return RuntimeStage::Poststop;
    throw usage_error("runtime-hook stage '" + word + "' is neither create-runtime nor poststop");
}

constexpr option kLongOptions[] = {
    {"host-root", required_argument, nullptr, kOptionHostRoot},
    {"config", required_argument, nullptr, kOptionConfig},
    {"log-stderr", no_argument, nullptr, kOptionLogStderr},
    {"state-dir", required_argument, nullptr, kOptionStateDir},
    {"debug-stall-after-claim", required_argument, nullptr, kOptionDebugStall},
    {"config-cache-dir", required_argument, nullptr, kOptionConfigCacheDir},
    {"instancetype-file", required_argument, nullptr, kOptionInstancetypeFile},
    {"preference-file", required_argument, nullptr, kOptionPreferenceFile},
    {"version", no_argument, nullptr, kOptionVersion},
    {"help", no_argument, nullptr, kOptionHelp},
    {nullptr, 0, nullptr, 0},
};

}  // namespace

CommandLine parse_command_line(int argc, char* const* argv, const std::string& default_config) {
    CommandLine line;
    line.run.config_path = default_config;
    std::vector<int> given;
    std::vector<std::string> operands;
    for (auto& argument : arguments::read(argc, argv, kLongOptions, "h", kSeeHelp)) {
        std::string& value = argument.value;
        switch (argument.id) {
        case arguments::kOperand: operands.push_back(std::move(value)); continue;
        case kOptionHelp: line.command = Command::Help; return line;
        case kOptionVersion: line.command = Command::Version; return line;
        case kOptionHostRoot: line.run.host_root = std::move(value); break;
        case kOptionConfig: line.run.config_path = std::move(value); break;
        case kOptionLogStderr: line.log_stderr = true; break;
        case kOptionStateDir: line.state_dir = std::move(value); break;
        case kOptionDebugStall: line.run.debug_stall_after_claim = parse_seconds(value); break;
        case kOptionConfigCacheDir: line.run.config_cache_dir = std::move(value); break;
        case kOptionInstancetypeFile: line.instancetype_file = std::move(value); break;
        case kOptionPreferenceFile: line.preference_file = std::move(value); break;
        }
        given.push_back(argument.id);
    }
    if (!operands.empty() && operands.front() == "plan") {
        line.command = Command::Plan;
        if (operands.size() != 2) throw usage_error("plan takes one VMFILE (a VirtualMachine or VirtualMachineInstance)");
        line.vm_file = operands[1];
    } else if (!operands.empty() && operands.front() == "runtime-hook") {
        line.command = Command::RuntimeHook;
        if (operands.size() != 2) throw usage_error("runtime-hook takes one stage: create-runtime or poststop");
        line.stage = parse_stage(operands[1]);
    } else if (!operands.empty()) {
        throw usage_error("unknown command '" + operands.front() + "' (commands: plan, runtime-hook)");
    }
    for (int option : given) {
        for (const auto& use : option_uses()) {
            if (use.option != option) continue;
            bool allowed = false;
            for (Command command : use.commands) allowed = allowed || command == line.command;
            if (!allowed) throw usage_error(std::string(use.name) + " is not an option of " + command_name(line.command));
        }
    }
    if (line.command == Command::RuntimeHook && line.state_dir.empty())
        throw usage_error("runtime-hook needs --state-dir DIR");
    return line;
}

std::string usage(const std::string& default_config) {
    return "Usage:\n"
           "  oci-kubevirt-hook [--host-root DIR] [--config FILE] [--log-stderr]\n"
           "      Podman's precreate hook: reads a container's runtime config on stdin and writes it\n"
           "      back with the host devices its KubeVirt VM needs.\n"
           "  oci-kubevirt-hook plan [--host-root DIR] [--config FILE] [--instancetype-file FILE]\n"
           "                        [--preference-file FILE] VMFILE\n"
           "      Shows what the hook would give the VM in VMFILE on this host, and why: it plans the\n"
           "      VMI kubevirt-vm-to-pod renders for the VM, as the hook sees it at container start.\n"
           "  oci-kubevirt-hook runtime-hook create-runtime|poststop --state-dir DIR [--log-stderr]\n"
           "      The runtime hooks the precreate hook adds to keep devices exclusive.\n"
           "\n"
           "Options:\n"
           "  --host-root DIR   look for host devices under DIR (default /)\n"
           "  --config FILE     the hook's configuration (default " + default_config + ")\n"
           "  --instancetype-file FILE, --preference-file FILE\n"
           "                    plan: the instancetype and preference the VM names (as kubevirt-vm-to-pod)\n"
           "  --log-stderr      also log to stderr (Podman discards it; syslog has everything)\n"
           "  --version         print the version\n"
           "  -h, --help        print this help\n"
           "\n"
           "See oci-kubevirt-hook(1).\n";
}

}  // namespace kvpod::hook
