// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

/// Golden files: the expected whole output of a case, kept under
/// tests/golden/. With UPDATE_GOLDEN=1 in the environment the test rewrites
/// the file instead of comparing (then review the diff before committing).
namespace kvpod::testing {

inline bool updating_goldens() {
    const char* v = std::getenv("UPDATE_GOLDEN");
    return v && std::string(v) == "1";
}

/// The golden text for `relative` (under tests/golden/), or `actual` after
/// writing it when updating.
inline std::string golden(const std::string& relative, const std::string& actual) {
    std::string path = data_dir() + "/golden/" + relative;
    if (updating_goldens()) {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream(path, std::ios::binary) << actual;
        return actual;
    }
    if (!std::filesystem::exists(path)) return "<missing golden " + path + "; run with UPDATE_GOLDEN=1>";
    return read_file(path);
}

}  // namespace kvpod::testing
