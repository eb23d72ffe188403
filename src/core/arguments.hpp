// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <getopt.h>

#include <string>
#include <string_view>
#include <vector>

/// argv read with glibc's getopt_long, for both programs. A CLI11 app cost
/// ~0.12M instructions at every start of the hook and ~0.32M (17%) of a
/// conversion, with iostreams and the C++ locale constructed at start and
/// a third more page faults; getopt_long reads an argv in a few thousand.
namespace kvpod::arguments {

/// getopt_long's value for an operand (with "-" leading the short options).
constexpr int kOperand = 1;

/// One option or operand, in the order argv gives them.
struct Argument {
    int id;               ///< the option's `val` in the table, or kOperand
    std::string value;    ///< the option's value, or the operand
    bool has_value;       ///< false for a flag, or an optional value not given
};

/// Reads argv: options and operands in order, wherever operands stand and
/// whatever POSIXLY_CORRECT says; operands after "--" as operands.
/// `long_options` ends with a zero entry; `short_options` lists the short
/// ones in getopt's syntax ("ho:"). Only whole long names are taken, never
/// getopt's unambiguous prefixes ("--host" for --host-root), so that a typo
/// cannot mean another option. Throws Error for an unknown option, a missing
/// value or a value given to a flag, advising `see_help`.
std::vector<Argument> read(int argc, char* const* argv, const option* long_options, std::string_view short_options,
                           std::string_view see_help);

}  // namespace kvpod::arguments
