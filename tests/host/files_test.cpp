// SPDX-License-Identifier: Apache-2.0
// Reading the admin's and the user's files whole, up to a limit: the limit
// itself is allowed, one byte more is refused with the remedy.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "fake_root.hpp"
#include "test_support.hpp"
#include "host/files.hpp"

using kvpod::host::read_file;
using kvpod::testing::error_of;
using kvpod::testing::FakeRoot;

TEST_CASE("read_file: whole files at and around the limit, across the buffer's growth") {
    FakeRoot fake;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{16383}, std::size_t{16384},
                             std::size_t{16385}, std::size_t{100000}}) {
        CAPTURE(size);
        std::string text(size, 'y');
        if (size > 0) text[size - 1] = 'z';  // the last byte arrives too
        fake.file("/f", text);
        const std::string path = fake.path() + "/f";
        CHECK(read_file(path, size, false) == text);
        CHECK(read_file(path, std::numeric_limits<std::size_t>::max(), false) == text);
        if (size > 0)
            CHECK(error_of([&] { read_file(path, size - 1, false, "raise it"); }) ==
                  path + ": more than " + std::to_string(size - 1) + " bytes; raise it");
    }
    CHECK(read_file(fake.path() + "/missing", 10, true) == std::nullopt);
}
