// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/kubevirt/pod_yaml.hpp"

using kvpod::kubevirt::to_yaml;
using kvpod::kubevirt::yaml_plain_safe;
using Json = nlohmann::json;

TEST_CASE("strings YAML 1.1 or 1.2 would read as something else are quoted") {
    struct Case {
        const char* text;
        bool plain;
    };
    const std::vector<Case> cases = {
        {"compute", true}, {"/var/run/kubevirt", true}, {"--qemu-timeout", true}, {"240s", true},
        {"405760Ki", true}, {"quay.io/kubevirt/virt-launcher:v1.8.0", true}, {"kubevirt.io/domain", true},
        {"5b8fc9fe-91d0-5adb-a2b1-f20e810e2e94", true}, {"metadata.name", true}, {"100m", true},
        {"", false}, {"true", false}, {"True", false}, {"on", false}, {"Off", false}, {"y", false}, {"NO", false},
        {"null", false}, {"~", false}, {"1", false}, {"45", false}, {"-1", false}, {"0.1", false}, {"1e3", false},
        {"1_000", false}, {"1:20", false}, {"0x1f", false}, {"0o17", false}, {"2026-11-24", false}, {".inf", false},
        {"107 107", false}, {"a: b", false}, {"a #b", false}, {"key:", false}, {" x", false}, {"x ", false},
        {"-", false}, {"- x", false}, {"{a}", false}, {"[a]", false}, {"a,b", false}, {"*x", false}, {"&x", false},
        {"!x", false}, {"'x'", false}, {"\"x\"", false}, {"%x", false}, {"@x", false}, {"a\nb", false},
        {"qemu+unix:///session?socket=/x", false}, {"---", false}, {"caf\xc3\xa9", false},
        // Keywords in any case, and words that only start like one.
        {"FALSE", false}, {"-.Inf", false}, {".NaN", false}, {"yesterday", true}, {"Nope", true}, {"online", true},
        // A leading dash: a word, a number or neither.
        {"-x", true}, {"--", true}, {"-9", false}, {"-_x", false}, {"-.5", false}, {"x\x7f", false},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(yaml_plain_safe(c.text) == c.plain);
    }
}

TEST_CASE("the YAML has sigs.k8s.io/yaml's layout and reads back as the same document") {
    Json doc = {{"kind", "Pod"},
                {"metadata", {{"annotations", {{"a", ""}, {"b", "true"}, {"c", "it's"}}}}},
                {"spec",
                 {{"containers",
                   {{{"name", "c"}, {"command", {"/bin/sh", "-c", "echo 'x'\nexit 1"}}, {"env", Json::array()}}}},
                  {"n", 60},
                  {"f", false},
                  {"nested", {{1, 2}, {"x"}}},
                  {"empty", Json::object()}}}};
    std::string yaml = to_yaml(doc);
    CHECK(yaml == "kind: Pod\n"
                  "metadata:\n"
                  "  annotations:\n"
                  "    a: ''\n"
                  "    b: 'true'\n"
                  "    c: 'it''s'\n"
                  "spec:\n"
                  "  containers:\n"
                  "  - command:\n"
                  "    - /bin/sh\n"
                  "    - -c\n"
                  "    - \"echo 'x'\\nexit 1\"\n"
                  "    env: []\n"
                  "    name: c\n"
                  "  empty: {}\n"
                  "  f: false\n"
                  "  'n': 60\n"  // "n" is a YAML 1.1 boolean
                  "  nested:\n"
                  "  - - 1\n"
                  "    - 2\n"
                  "  - - x\n");
    CHECK(kvpod::document::parse_yaml(yaml, "round trip") == doc);
}

TEST_CASE("strings YAML cannot hold as they are are escaped, and read back the same") {
    // Found by the converter-input fuzzer: a key holding DEL was written in
    // double quotes as JSON writes it (raw), and libyaml refused the Pod.
    struct Case {
        std::string text;
        std::string written;
    };
    const std::vector<Case> cases = {
        {"memor\x7fy", R"("memor\u007fy")"},
        {"a\tb", R"("a\tb")"},
        {"q\"\\\b\f\r\x01", R"("q\"\\\b\f\r\u0001")"},
        {"c1 \xc2\x80", R"("c1 \u0080")"},
        {"nel \xc2\x85", R"("nel \u0085")"},          // a line break to YAML 1.1
        {"ls \xe2\x80\xa8", R"("ls \u2028")"},        // likewise
        {"nonchar \xef\xbf\xbe", R"("nonchar \ufffe")"},
        {"caf\xc3\xa9", "'caf\xc3\xa9'"},             // printable: single quotes, as it is
        {"emoji \xf0\x9f\x98\x80 it's", "'emoji \xf0\x9f\x98\x80 it''s'"},
        {"\xef\xbb\xbf" "bom", "'\xef\xbb\xbf" "bom'"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        Json doc = {{c.text, c.text}};
        std::string yaml = to_yaml(doc);
        CHECK(yaml == c.written + ": " + c.written + "\n");
        CHECK(kvpod::document::parse_yaml(yaml, "round trip") == doc);
    }
}

TEST_CASE("JSON output: what YAML cannot hold as it is becomes a u-escape, the rest stays as dumped") {
    Json doc = {{"k\x7f", "nel \xc2\x85 c1 \xc2\x80 ls \xe2\x80\xa8 nonchar \xef\xbf\xbf caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n"}};
    std::string json = kvpod::kubevirt::yaml_safe_json(doc.dump());
    CHECK(json == R"({"k\u007f":"nel \u0085 c1 \u0080 ls \u2028 nonchar \uffff caf)" "\xc3\xa9 \xf0\x9f\x98\x80" R"( \"q\"\n"})");
    CHECK(kvpod::document::parse_yaml(json, "pod.json") == doc);  // as kube play reads it
    CHECK(Json::parse(json) == doc);
}
