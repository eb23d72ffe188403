// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

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
