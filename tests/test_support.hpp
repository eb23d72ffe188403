// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

/// Helpers shared by the test binaries.
namespace kvpod::testing {

/// The tests/ directory of the source tree (meson sets TEST_DATA_DIR).
inline std::string data_dir() {
    const char* dir = std::getenv("TEST_DATA_DIR");
    if (!dir) throw std::runtime_error("TEST_DATA_DIR is not set; run the tests through meson test");
    return dir;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline std::string data_file(const std::string& relative) { return read_file(data_dir() + "/" + relative); }

/// Runs `body` and returns the message of the Error it throws; fails the
/// test when nothing is thrown.
template <typename Body>
std::string error_of(Body&& body) {
    try {
        body();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "<no error>";
}

/// `depth` opening brackets then as many closing ones: input nested `depth` levels.
inline std::string nested(char open, char close, std::size_t depth) {
    return std::string(depth, open) + std::string(depth, close);
}

/// The JSON pointer of the innermost element of nested('[', ']', n): "/0" n times.
inline std::string zeros(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += "/0";
    return out;
}

}  // namespace kvpod::testing
