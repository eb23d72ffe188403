// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"
#include "test_support.hpp"

using kvpod::document::Json;
using kvpod::testing::error_of;
namespace document = kvpod::document;

TEST_CASE("YAML scalars resolve by the YAML 1.2 core schema") {
    struct Case {
        const char* yaml;
        Json expected;
    };
    const std::vector<Case> cases = {
        {"a: 1", Json{{"a", 1}}},
        {"a: -7", Json{{"a", -7}}},
        {"a: 0x1f", Json{{"a", 31}}},
        {"a: 0o17", Json{{"a", 15}}},
        {"a: 1.5", Json{{"a", 1.5}}},
        {"a: 1e3", Json{{"a", 1000.0}}},
        {"a: true", Json{{"a", true}}},
        {"a: False", Json{{"a", false}}},
        {"a: yes", Json{{"a", "yes"}}},  // a YAML 1.1 boolean, a string in 1.2
        {"a: ~", Json{{"a", nullptr}}},
        {"a:", Json{{"a", nullptr}}},
        {"a: '1'", Json{{"a", "1"}}},
        {"a: \"true\"", Json{{"a", "true"}}},
        {"a: !!str 12", Json{{"a", "12"}}},
        {"a: 128Mi", Json{{"a", "128Mi"}}},
        {"a: 18446744073709551615", Json{{"a", 18446744073709551615ull}}},
        {"a: -9223372036854775808", Json{{"a", std::numeric_limits<std::int64_t>::min()}}},
        {"1: x", Json{{"1", "x"}}},
        {"a: [1, {b: c}]", Json{{"a", Json::array({1, Json{{"b", "c"}}})}}},
        {"base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3", Json{{"base", {{"x", 1}, {"y", 2}}}, {"d", {{"x", 1}, {"y", 3}}}}},
        {"base: &b {x: 1}\nd:\n  x: 0\n  <<: *b", Json{{"base", {{"x", 1}}}, {"d", {{"x", 0}}}}},
        {"a: |\n  12\n", Json{{"a", "12\n"}}},        // block scalars are strings
        {"a: ! 12", Json{{"a", "12"}}},                // the non-specific tag: a string
        {"a: !!int \"7\"", Json{{"a", 7}}},           // an explicit tag types even a quoted scalar
        {"a: &x 1\nb: &x 2\nc: *x", Json{{"a", 1}, {"b", 2}, {"c", 2}}},  // an anchor may be redefined
    };
    for (const auto& c : cases) {
        CAPTURE(c.yaml);
        CHECK(document::parse_yaml(c.yaml, "t.yaml") == c.expected);
    }
}

TEST_CASE("bad input gets one line naming where it is") {
    struct Case {
        const char* name;
        std::string text;
        bool yaml;
        std::string expected;
    };
    document::Limits small;
    small.max_depth = 4;
    small.max_nodes = 50;
    const std::vector<Case> cases = {
        {"json syntax", "{\"a\": 1,\n \"b\": }", false,
         "t.json:2:7: invalid JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', or a literal"},
        {"json duplicate key", R"({"a": {"b": 1, "b": 2}})", false, "t.json:/a/b: duplicate key 'b'"},
        {"json duplicate in array", R"({"a": [{}, {"k": 1, "k": 1}]})", false, "t.json:/a/1/k: duplicate key 'k'"},
        {"json too deep", R"({"a": {"b": {"c": {"d": {}}}}})", false, "t.json:/a/b/c/d: nesting deeper than 4 levels"},
        {"json NUL", R"({"a": "x\u0000y"})", false, "t.json:/a: NUL byte in a string"},
        {"json invalid utf-8", "{\"a\": \"\xff\"}", false,
         "t.json:1:8: invalid JSON: syntax error while parsing value - invalid string: ill-formed UTF-8 byte"},
        {"json huge float", R"({"a": 1e400})", false, "t.json:1:11: invalid JSON: number overflow parsing '1e400'"},
        {"json too many values", "[" + std::string(59 * 2, ',').replace(0, 0, "1").substr(0, 1) + [] {
             std::string s;
             for (int i = 0; i < 59; ++i) s += ",1";
             return s;
         }() + "]",
         false, "t.json:/49: more than 50 values"},
        {"yaml syntax", "a: b\n  c: d\n", true, "t.yaml:2:4: invalid YAML: mapping values are not allowed in this context"},
        {"yaml duplicate key", "a: 1\nb: 2\na: 3\n", true, "t.yaml:3:1: duplicate key 'a'"},
        {"yaml too deep", "a: {b: {c: {d: {e: 1}}}}", true, "t.yaml:1:16: nesting deeper than 4 levels"},
        {"yaml alias bomb", "a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n", true,
         "t.yaml:2:17: aliases expand to more than 50 values"},
        {"yaml huge int", "a: 99999999999999999999\n", true, "t.yaml:1:4: integer '99999999999999999999' is out of range"},
        {"yaml inf", "a: .inf\n", true, "t.yaml:1:4: value '.inf' has no JSON form"},
        {"yaml complex key", "? [a]\n: 1\n", true, "t.yaml:1:3: a mapping or sequence used as a key"},
        {"yaml NUL", std::string("a: b\0c", 6), true, "t.yaml:1:5: NUL byte in YAML text"},
        {"yaml unknown tag", "a: !foo x\n", true, "t.yaml:1:4: unsupported tag '!foo'"},
        {"yaml unknown alias", "a: *nope\n", true, "t.yaml:1:4: alias to an unknown anchor"},
        // refused before parsing, naming the byte (nlohmann's dump() would throw on it later)
        {"yaml invalid UTF-8", "a: ok\nb: x\xff\n", true, "t.yaml:2:5: invalid UTF-8 (byte 0xff); save the file as UTF-8"},
        {"yaml overlong UTF-8", "a: \xc0\xaf\n", true, "t.yaml:1:4: invalid UTF-8 (byte 0xc0); save the file as UTF-8"},
        {"two documents", "a: 1\n---\nb: 2\n", true,
         "t.yaml: more than one YAML document; pass one VirtualMachine or VirtualMachineInstance per input"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto message = error_of([&] {
            if (c.yaml) document::parse_yaml(c.text, "t.yaml", small);
            else document::parse_json(c.text, "t.json", small);
        });
        CHECK(message == c.expected);
    }
}

TEST_CASE("nesting 100000 levels deep is refused without exhausting the stack") {
    std::string json(100000, '[');
    json += std::string(100000, ']');
    std::string expected = "deep.json:";
    for (int i = 0; i < 64; ++i) expected += "/0";
    CHECK(error_of([&] { document::parse_json(json, "deep.json"); }) == expected + ": nesting deeper than 64 levels");
    std::string yaml(100000, '[');
    yaml += std::string(100000, ']');
    auto message = error_of([&] { document::parse_yaml(yaml, "deep.yaml"); });
    CHECK(message.find("deep.yaml:1:") == 0);
}

TEST_CASE("a YAML stream yields each non-empty document") {
    auto docs = document::parse_yaml_stream("---\na: 1\n---\n---\nb: 2\n", "s.yaml");
    REQUIRE(docs.size() == 2);
    CHECK(docs[0] == Json{{"a", 1}});
    CHECK(docs[1] == Json{{"b", 2}});
}

TEST_CASE("JSON or YAML is chosen by the first character") {
    CHECK(document::parse_json_or_yaml("  {\"a\": 1}", "x") == Json{{"a", 1}});
    CHECK(document::parse_json_or_yaml("a: 1", "x") == Json{{"a", 1}});
    CHECK(error_of([] { document::parse_json_or_yaml("{\"a\": ", "x"); }).find("x:1:7: invalid JSON") == 0);
}

TEST_CASE("input over the size limit is refused before parsing") {
    document::Limits limits;
    limits.max_bytes = 8;
    CHECK(error_of([&] { document::parse_json("[1,2,3,4,5]", "big.json", limits); }) ==
          "big.json: input is 11 bytes, more than the limit of 8; shorten it or raise the limit in the hook's "
          "configuration");
}
