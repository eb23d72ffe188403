// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/text.hpp"

TEST_CASE("one_line folds control bytes so that a message stays one log line") {
    struct Case {
        std::string in;
        std::string out;
    };
    const std::vector<Case> cases = {
        {"", ""},
        {"plain text, kept as it is", "plain text, kept as it is"},
        {"two\nlines", "two\\nlines"},
        {"\r\n\t", "\\r\\n\\t"},
        {std::string("nul\0byte", 8), "nul\\x00byte"},
        {"bell\x07 and del\x7f", "bell\\x07 and del\\x7f"},
        {"\x1b[31mred", "\\x1b[31mred"},
        {"tail\n", "tail\\n"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},  // UTF-8 passes through
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        CHECK(kvpod::text::one_line(c.in) == c.out);
    }
    CHECK(kvpod::text::quoted("a\nb") == "'a\\nb'");
}

TEST_CASE("hex pads to the width as printf's %0*x does, and widens when the value needs it") {
    struct Case {
        std::uint64_t value;
        int width;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {0, 1, "0"},      {0, 4, "0000"},         {0xa, 2, "0a"},
        {0x3b, 2, "3b"},  {0x10de, 4, "10de"},    {0x10000, 4, "10000"},
        {0xff, 0, "ff"},  {0xffffffffffffffff, 4, "ffffffffffffffff"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.expected);
        CHECK(kvpod::text::hex(c.value, c.width) == c.expected);
    }
    std::string out = "0000:";
    kvpod::text::append_hex(out, 0x3b, 2);
    CHECK(out == "0000:3b");
}

TEST_CASE("position names a byte of a text as source:line:column, both counted from 1") {
    CHECK(kvpod::text::position("vm.yaml", kvpod::text::line_column("a: 1\nb: x\n", 8)) == "vm.yaml:2:4");
    CHECK(kvpod::text::position("stdin", kvpod::text::line_column("", 0)) == "stdin:1:1");
}

TEST_CASE("one_decimal writes value / 2^shift as printf's %.1f writes the double") {
    struct Case {
        std::uint64_t value;
        unsigned shift;
        const char* text;
    };
    const Case cases[] = {
        {5658116801ull, 30, "5.3"},  // the T4 plan's RLIMIT_MEMLOCK
        {0, 30, "0.0"},
        {1ull << 30, 30, "1.0"},
        {(1ull << 30) * 3 / 2, 30, "1.5"},
        {52428, 20, "0.0"},    // 0.04999...: down
        {157286, 20, "0.1"},   // 0.14999...: down
        {262144, 20, "0.2"},   // 0.25 exactly: the even tenth
        {262145, 20, "0.3"},   // just above the tie: up
        {1048575, 20, "1.0"},  // 0.99999...: carries into the whole part
        {UINT64_MAX, 30, "17179869184.0"},
        {UINT64_MAX, 0, "18446744073709551615.0"},
        {UINT64_MAX, 64, "1.0"},  // beyond 60: the low bits dropped first
        {UINT64_MAX, 124, "0.0"},
        {UINT64_MAX, 200, "0.0"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.value);
        CAPTURE(c.shift);
        CHECK(kvpod::text::one_decimal(c.value, c.shift) == c.text);
    }
}

TEST_CASE("one_decimal agrees with snprintf(\"%.1f\") on exact ties and their neighbours") {
    // A tie: the fraction times ten ends in exactly half a unit; printf
    // rounds it to the even tenth. Values below 2^53, where the double is exact.
    for (unsigned shift : {1u, 4u, 10u, 20u, 30u}) {
        const std::uint64_t unit = 1ull << shift;
        for (std::uint64_t whole : {0ull, 1ull, 7ull, 4096ull}) {
            for (std::uint64_t step = 0; step < 20; ++step) {
                // For a power-of-two unit the only ties are .25 and .75 (.2 and .8
                // by the even tenth); probing around each 20th hits them.
                std::uint64_t at = whole * unit + step * unit / 20;
                for (std::uint64_t value : {at, at + 1, at > 0 ? at - 1 : at}) {
                    char expected[64];
                    std::snprintf(expected, sizeof expected, "%.1f", static_cast<double>(value) / static_cast<double>(unit));
                    CAPTURE(value);
                    CAPTURE(shift);
                    CHECK(kvpod::text::one_decimal(value, shift) == expected);
                }
            }
        }
    }
}

TEST_CASE("case and blanks are ASCII's, whatever the byte") {
    CHECK(kvpod::text::to_lower("NVIDIA.com/TU104GL_Tesla_T4") == "nvidia.com/tu104gl_tesla_t4");
    CHECK(kvpod::text::to_upper("nvidia.com/tu104gl-a@z") == "NVIDIA.COM/TU104GL-A@Z");
    CHECK(kvpod::text::to_upper("\xc3\xa9[`{") == "\xc3\xa9[`{");  // UTF-8 and the neighbours of the letters stay
    CHECK(kvpod::text::to_lower("\xc3\x89@[") == "\xc3\x89@[");
    CHECK(kvpod::text::trim(" \t\n\v\f\r0x10de\n\r ") == "0x10de");
    CHECK(kvpod::text::trim("\xa0x\x85") == "\xa0x\x85");  // Latin-1 and C1 bytes are not blanks
    CHECK(kvpod::text::trim("   ") == "");
}
