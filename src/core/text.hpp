// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Small string helpers shared by the core. Pure functions only.
namespace kvpod::text {

/// Replaces control characters (newlines included) by visible escapes so the
/// result is safe to print as one log line.
std::string one_line(std::string_view s);

/// Quotes `s` for a message, cut to `max` bytes with "..." when longer.
std::string quoted(std::string_view s, std::size_t max = 80);

struct LineColumn {
    std::size_t line = 1;    ///< 1-based
    std::size_t column = 1;  ///< 1-based, in bytes
};

/// The 1-based line and column of byte `offset` in `text`.
LineColumn line_column(std::string_view text, std::size_t offset);

/// "source:line:column", where an error message says a text went wrong.
std::string position(std::string_view source, LineColumn at);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
/// ASCII case and blanks, as the C locale has them (the programs never set
/// another; names and sysfs text are ASCII).
std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);
std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

/// Appends `value` in lowercase hex, zero-padded to at least `width`
/// digits, as printf's "%0*x" would (PCI addresses and IDs are printed at
/// every container start; snprintf cost ~2,000 instructions each).
void append_hex(std::string& out, std::uint64_t value, int width);

/// `value` as append_hex() writes it.
std::string hex(std::uint64_t value, int width);

/// value / 2^shift with one decimal, as printf's "%.1f" writes that double
/// (nearest, a tie to even): "5.3" for 5658116801 >> 30. Exact for values
/// below 2^53, where the double is; beyond a shift of 60 the low bits are
/// dropped first.
std::string one_decimal(std::uint64_t value, unsigned shift);

/// Parses a whole string as an unsigned decimal number; nullopt on anything
/// else (signs, spaces, overflow, empty).
std::optional<std::uint64_t> parse_u64(std::string_view s, int base = 10);

/// The offset of the first byte of `s` that does not start a valid UTF-8
/// sequence (overlong forms and surrogates included); npos when all is valid.
std::size_t invalid_utf8_at(std::string_view s);

/// True when `s` is valid UTF-8 without NUL bytes.
bool is_clean_utf8(std::string_view s);

}  // namespace kvpod::text
