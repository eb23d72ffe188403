// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fake_root.hpp"
#include "test_support.hpp"

namespace kvpod::testing {

/// A committed fake host root (tests/fixtures/roots/<name>/, see its README)
/// copied to a temporary directory, with the device nodes its dev.list names
/// made there (git cannot hold device nodes; mknod needs root, so check
/// FakeRoot::can_mknod() first).
class FixtureRoot {
public:
    explicit FixtureRoot(const std::string& name) {
        namespace fs = std::filesystem;
        std::string source = data_dir() + "/fixtures/roots/" + name;
        if (!fs::is_directory(source)) throw std::runtime_error("no fixture root " + source);
        fs::copy(source, root_.path(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        std::istringstream list(read_file(source + "/dev.list"));
        std::string line;
        while (std::getline(list, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            char type = 0;
            unsigned major = 0;
            unsigned minor = 0;
            std::string path;
            std::string mode = "0666";
            fields >> type >> major >> minor >> path >> mode;
            if (!fields && path.empty()) throw std::runtime_error("bad dev.list line: " + line);
            root_.node(path, type, major, minor, static_cast<mode_t>(std::stoul(mode, nullptr, 8)));
        }
    }

    const std::string& path() const { return root_.path(); }
    FakeRoot& fake() { return root_; }

private:
    FakeRoot root_;
};

}  // namespace kvpod::testing
