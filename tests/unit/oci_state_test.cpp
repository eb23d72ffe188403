// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/oci_state.hpp"
#include "test_support.hpp"

using kvpod::oci::parse_runtime_state;
using kvpod::testing::error_of;

TEST_CASE("runtime state: what runc 1.1.5 gave our createRuntime and poststop hooks") {
    // Captured under Podman 4.3.1 (annotations shortened).
    const std::string id = "81dfb04e17382eae9ed1e65b369927ac489aebfe17ff1fd0a267984c2afb1bcb";
    const std::string bundle = "/var/lib/containers/storage/overlay-containers/" + id + "/userdata";
    auto creating = parse_runtime_state(R"({"ociVersion":"1.0.2-dev","id":")" + id +
                                        R"(","status":"creating","pid":10986,"bundle":")" + bundle +
                                        R"(","annotations":{"io.container.manager":"libpod"}})");
    CHECK(creating.id == id);
    CHECK(creating.status == "creating");
    CHECK(creating.pid == 10986);
    CHECK(creating.bundle == bundle);
    auto stopped = parse_runtime_state(R"({"ociVersion":"1.0.2-dev","id":")" + id + R"(","status":"stopped","bundle":")" +
                                       bundle + R"(","annotations":{}})");
    CHECK(stopped.status == "stopped");
    CHECK(stopped.pid == 0);
}

TEST_CASE("runtime state: malformed input is an error naming the field") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"([])", "state:/: expected a JSON object; is this run by an OCI runtime as a hook?"},
        {R"({"status": "creating"})", "state:/id: missing; is this run by an OCI runtime as a hook?"},
        {R"({"id": 5})", "state:/id: expected a string"},
        {R"({"id": "x", "pid": -1})", "state:/pid: expected a process id, found -1"},
        {R"({"id": "x", "pid": "1"})", "state:/pid: expected a process id, found \"1\""},
        {R"({"id": "x", "bundle": "rel/dir"})", "state:/bundle: expected an absolute path"},
        {R"({"id": "x", "id": "y"})", "state:/id: duplicate key 'id'"},
    };
    for (const auto& [json, expected] : cases) {
        CAPTURE(json);
        CHECK(error_of([&] { parse_runtime_state(json); }) == expected);
    }
}
