// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

/// A throw-away host root for tests of the host seam: directories, text
/// files, symlinks and real device nodes (mknod needs root; `can_mknod()`
/// tells tests when to skip). Removed with everything in it on destruction.
namespace kvpod::testing {

class FakeRoot {
public:
    FakeRoot() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "kvpod-root-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~FakeRoot() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    FakeRoot(const FakeRoot&) = delete;
    FakeRoot& operator=(const FakeRoot&) = delete;

    const std::string& path() const { return path_; }

    static bool can_mknod() { return ::geteuid() == 0; }

    /// mknod `abs` (inside the root) as a char ('c') or block ('b') device.
    FakeRoot& node(const std::string& abs, char type, unsigned major, unsigned minor, mode_t mode = 0666) {
        auto full = make_parent(abs);
        mode_t kind = type == 'b' ? S_IFBLK : S_IFCHR;
        if (::mknod(full.c_str(), kind | mode, makedev(major, minor)) != 0)
            throw std::runtime_error("mknod " + full + " failed (tests that make device nodes run as root)");
        ::chmod(full.c_str(), mode);  // mknod honours the umask
        return *this;
    }

    FakeRoot& file(const std::string& abs, const std::string& content) {
        std::ofstream(make_parent(abs)) << content;
        return *this;
    }

    FakeRoot& symlink(const std::string& abs, const std::string& target) {
        std::filesystem::create_symlink(target, make_parent(abs));
        return *this;
    }

    FakeRoot& dir(const std::string& abs) {
        std::filesystem::create_directories(path_ + abs);
        return *this;
    }

private:
    std::string make_parent(const std::string& abs) {
        std::string full = path_ + abs;
        std::filesystem::create_directories(std::filesystem::path(full).parent_path());
        return full;
    }

    std::string path_;
};

}  // namespace kvpod::testing
