// SPDX-License-Identifier: Apache-2.0
// run_program: real programs (sh, head), their outputs, exit statuses and
// the ways they fail to run.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "host/run_program.hpp"
#include "test_support.hpp"

using namespace kvpod;
using kvpod::testing::error_of;

TEST_CASE("a program's stdout, stderr and exit status, each kept apart") {
    struct Case {
        std::string name;
        std::string script;
        int status;
        std::string out, err;
    };
    const std::vector<Case> cases = {
        {"both outputs", "printf 'to out\\n'; printf 'to err' >&2; exit 3", 3, "to out\n", "to err"},
        {"silent success", "true", 0, "", ""},
        {"stdin is /dev/null, not the caller's", "cat; echo \"read $(wc -c </dev/stdin)\"", 0, "read 0\n", ""},
        {"killed by a signal: 128 + N", "kill -TERM $$", 128 + 15, "", ""},
        {"200 KiB on each at once: no pipe fills up",
         "head -c 204800 /dev/zero | tr '\\0' o & head -c 204800 /dev/zero | tr '\\0' e >&2; wait", 0,
         std::string(204800, 'o'), std::string(204800, 'e')},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto got = host::run_program({"sh", "-c", c.script});  // "sh" is found in PATH
        CHECK(got.exit_status == c.status);
        CHECK(got.out == c.out);
        CHECK(got.err == c.err);
    }
}

TEST_CASE("a program that cannot run, or says too much, is an Error") {
    CHECK(error_of([] { host::run_program({"/nonexistent/podman", "ps"}); }) ==
          "cannot run /nonexistent/podman: No such file or directory");
    CHECK(error_of([] { host::run_program({"no-such-program-kvpod"}); }) ==
          "cannot run no-such-program-kvpod: No such file or directory");
    CHECK(error_of([] { host::run_program({"/etc/passwd"}); }) == "cannot run /etc/passwd: Permission denied");
    CHECK(error_of([] { host::run_program({"head", "-c", "5000", "/dev/zero"}, 1000); }) ==
          "head wrote more than 1000 bytes on stdout; is it the program you meant?");
    CHECK(error_of([] { host::run_program({}); }) == "no program to run");
    auto exact = host::run_program({"head", "-c", "1000", "/dev/zero"}, 1000);
    CHECK(exact.out.size() == 1000);
}
