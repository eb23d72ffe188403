// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/json_dump.hpp"
#include "test_support.hpp"

using Json = nlohmann::json;

TEST_CASE("json::dump writes what nlohmann's dump() writes, byte for byte") {
    const std::vector<std::string> documents = {
        R"({})",
        R"([])",
        R"({"a":[],"b":{},"c":null,"d":true,"e":false})",
        R"({"int":-9223372036854775808,"uint":18446744073709551615,"zero":0,"neg":-1})",
        R"({"float":1.5,"small":1e-300,"big":1.7976931348623157e308,"whole":2.0,"tiny":-0.0})",
        R"({"quote":"a\"b","backslash":"a\\b","slash":"a\/b","newline":"a\nb","tab":"\t","nul":"\u0000"})",
        R"({"bell":"\u0007","esc":"\u001b[0m","del":"\u007f","utf8":"caf\u00e9 \u2603 \ud83d\ude00"})",
        R"({"k\"ey":1,"k\\ey":2,"k\u00e9y":3,"plain key":4})",
        R"([[[[[]]]],{"nested":{"deeper":[1,"two",3.5,null,{"x":"y"}]}}])",
        R"("just a string")",
        R"(42)",
    };
    for (const auto& text : documents) {
        CAPTURE(text);
        Json value = Json::parse(text);
        CHECK(kvpod::json::dump(value) == value.dump());
    }
}

TEST_CASE("json::dump agrees with dump() on every stored Podman config") {
    std::size_t seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kvpod::testing::data_dir() + "/data/podman-configs")) {
        if (entry.path().extension() != ".json") continue;
        CAPTURE(entry.path().string());
        Json config = Json::parse(kvpod::testing::read_file(entry.path().string()));
        CHECK(kvpod::json::dump(config) == config.dump());
        ++seen;
    }
    CHECK(seen >= 3);
}

TEST_CASE("json::append_dump appends; invalid UTF-8 fails as dump() does") {
    std::string out = "prefix:";
    kvpod::json::append_dump(out, Json::parse(R"({"a":1})"));
    CHECK(out == R"(prefix:{"a":1})");
    Json bad = std::string("\xff\xfe");
    CHECK_THROWS_AS(kvpod::json::dump(bad), nlohmann::json::type_error);
}
