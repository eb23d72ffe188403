// SPDX-License-Identifier: Apache-2.0
#include "core/arguments.hpp"

#include "core/error.hpp"

namespace kvpod::arguments {
namespace {

Error usage_error(std::string what, std::string_view see_help) {
    return Error(std::move(what), "", std::string(see_help));
}

const option* long_option(const option* table, std::string_view name) {
    for (const option* o = table; o->name != nullptr; ++o)
        if (name == o->name) return o;
    return nullptr;
}

/// True when short option `c` takes a value ("o:" in `short_options`).
bool short_takes_value(std::string_view short_options, char c) {
    auto at = short_options.find(c);
    return c != ':' && at != std::string_view::npos && at + 1 < short_options.size() && short_options[at + 1] == ':';
}

/// getopt_long also takes any unambiguous prefix of a long option: only
/// whole names pass. Values are skipped, so that "--config --odd.yaml"
/// names a file.
void check_whole_names(const std::vector<char*>& args, const option* table, std::string_view short_options,
                       std::string_view see_help) {
    for (std::size_t i = 1; i < args.size() && args[i] != nullptr; ++i) {
        std::string_view word = args[i];
        if (word == "--") return;
        if (word.size() == 2 && word[0] == '-' && short_takes_value(short_options, word[1])) {
            ++i;  // "-o VALUE"
            continue;
        }
        if (word.size() < 3 || word.substr(0, 2) != "--") continue;
        auto equals = word.find('=');
        std::string_view name = word.substr(2, equals == std::string_view::npos ? equals : equals - 2);
        const option* known = long_option(table, name);
        if (known == nullptr) throw usage_error("unknown option --" + std::string(name), see_help);
        if (known->has_arg == required_argument && equals == std::string_view::npos) ++i;  // its value
    }
}

/// The word getopt_long refused with '?'.
[[noreturn]] void refuse(const std::vector<char*>& args, const option* table, std::string_view see_help) {
    if (::optopt == 0) {  // an unknown long option; whole names were checked, so this is rare
        std::string_view word = args[static_cast<std::size_t>(::optind - 1)];
        throw usage_error("unknown option " + std::string(word.substr(0, word.find('='))), see_help);
    }
    for (const option* o = table; o->name != nullptr; ++o)  // "--log-stderr=1"
        if (o->has_arg == no_argument && o->val == ::optopt)
            throw usage_error("--" + std::string(o->name) + " takes no value", see_help);
    auto c = static_cast<unsigned char>(::optopt);
    if (c > 0x20 && c < 0x7f) throw usage_error(std::string("unknown option -") + static_cast<char>(c), see_help);
    throw usage_error("unknown option", see_help);
}

}  // namespace

std::vector<Argument> read(int argc, char* const* argv, const option* long_options, std::string_view short_options,
                           std::string_view see_help) {
    std::vector<char*> args(argv, argv + argc);  // getopt_long reorders what it is given
    args.push_back(nullptr);
    check_whole_names(args, long_options, short_options, see_help);
    // "-": operands come back in order as kOperand, wherever they stand and
    // whatever POSIXLY_CORRECT says; ":": a missing value is ':'.
    std::string spec = "-:" + std::string(short_options);
    ::optind = 0;  // restarts getopt's scan (tests read many lines)
    ::opterr = 0;  // its messages would bypass ours (and the hook's log)
    std::vector<Argument> read;
    for (;;) {
        int id = ::getopt_long(argc, args.data(), spec.c_str(), long_options, nullptr);
        if (id == -1) break;
        if (id == ':')
            throw usage_error(std::string(args[static_cast<std::size_t>(::optind - 1)]) + " needs a value", see_help);
        if (id == '?') refuse(args, long_options, see_help);
        read.push_back({id, ::optarg ? ::optarg : "", ::optarg != nullptr});
    }
    for (int i = ::optind; i < argc; ++i) read.push_back({kOperand, args[static_cast<std::size_t>(i)], true});  // after "--"
    return read;
}

}  // namespace kvpod::arguments
