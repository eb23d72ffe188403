// SPDX-License-Identifier: Apache-2.0
#include "hook/command_line.hpp"

#include <getopt.h>
#include <strings.h>

#include <charconv>
#include <string_view>
#include <vector>

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
    {"version", no_argument, nullptr, kOptionVersion},
    {"help", no_argument, nullptr, kOptionHelp},
    {nullptr, 0, nullptr, 0},
};

const option* long_option(std::string_view name) {
    for (const option* o = kLongOptions; o->name != nullptr; ++o)
        if (name == o->name) return o;
    return nullptr;
}

/// getopt_long also takes any unambiguous prefix of a long option ("--host"
/// for --host-root): a typo in a hooks.d argv could silently mean another
/// option, so only whole names pass.
void check_whole_names(const std::vector<char*>& args) {
    for (std::size_t i = 1; i < args.size() && args[i] != nullptr; ++i) {
        std::string_view word = args[i];
        if (word == "--") return;
        if (word.size() < 3 || word.substr(0, 2) != "--") continue;
        std::string_view name = word.substr(2, word.find('=') - 2);
        const option* known = long_option(name);
        if (known == nullptr) throw usage_error("unknown option --" + std::string(name));
        if (known->has_arg == required_argument && word.find('=') == std::string_view::npos) ++i;  // its value
    }
}

/// The word getopt_long refused with '?'.
[[noreturn]] void refuse(const std::vector<char*>& args) {
    if (::optopt == 0) {  // an unknown long option; whole names were checked, so this is rare
        std::string_view word = args[static_cast<std::size_t>(::optind - 1)];
        throw usage_error("unknown option " + std::string(word.substr(0, word.find('='))));
    }
    for (const option* o = kLongOptions; o->name != nullptr; ++o)  // "--log-stderr=1"
        if (o->has_arg == no_argument && o->val == ::optopt && o->val != 'h')
            throw usage_error("--" + std::string(o->name) + " takes no value");
    if (::optopt == 'h') throw usage_error("--help takes no value");  // -h itself is never refused
    auto c = static_cast<unsigned char>(::optopt);
    if (c > 0x20 && c < 0x7f) throw usage_error(std::string("unknown option -") + static_cast<char>(c));
    throw usage_error("unknown option");
}

}  // namespace

CommandLine parse_command_line(int argc, char* const* argv, const std::string& default_config) {
    CommandLine line;
    line.run.config_path = default_config;
    std::vector<int> given;
    std::vector<std::string> operands;
    std::vector<char*> args(argv, argv + argc);  // getopt_long may reorder what it is given
    args.push_back(nullptr);
    check_whole_names(args);
    ::optind = 0;  // restarts getopt's scan (tests parse many lines)
    ::opterr = 0;  // its own messages would bypass the log
    for (;;) {
        // "-": operands come back in order as 1, wherever they stand and
        // whatever POSIXLY_CORRECT says (the runtime hooks this hook writes
        // put --state-dir after the stage); ":": a missing value is ':'.
        int option = ::getopt_long(argc, args.data(), "-:h", kLongOptions, nullptr);
        if (option == -1) break;
        std::string value = ::optarg ? ::optarg : "";
        switch (option) {
        case 1: operands.push_back(value); continue;
        case kOptionHelp: line.command = Command::Help; return line;
        case kOptionVersion: line.command = Command::Version; return line;
        case kOptionHostRoot: line.run.host_root = value; break;
        case kOptionConfig: line.run.config_path = value; break;
        case kOptionLogStderr: line.log_stderr = true; break;
        case kOptionStateDir: line.state_dir = value; break;
        case kOptionDebugStall: line.run.debug_stall_after_claim = parse_seconds(value); break;
        case kOptionConfigCacheDir: line.run.config_cache_dir = value; break;
        case ':': throw usage_error(std::string(args[static_cast<std::size_t>(::optind - 1)]) + " needs a value");
        default: refuse(args);
        }
        given.push_back(option);
    }
    for (int i = ::optind; i < argc; ++i) operands.emplace_back(args[static_cast<std::size_t>(i)]);  // after "--"
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
           "  oci-kubevirt-hook plan [--host-root DIR] [--config FILE] VMFILE\n"
           "      Shows what the hook would give the VM in VMFILE on this host, and why.\n"
           "  oci-kubevirt-hook runtime-hook create-runtime|poststop --state-dir DIR [--log-stderr]\n"
           "      The runtime hooks the precreate hook adds to keep devices exclusive.\n"
           "\n"
           "Options:\n"
           "  --host-root DIR   look for host devices under DIR (default /)\n"
           "  --config FILE     the hook's configuration (default " + default_config + ")\n"
           "  --log-stderr      also log to stderr (Podman discards it; syslog has everything)\n"
           "  --version         print the version\n"
           "  -h, --help        print this help\n"
           "\n"
           "See oci-kubevirt-hook(1).\n";
}

}  // namespace kvpod::hook
