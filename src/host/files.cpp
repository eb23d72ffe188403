// SPDX-License-Identifier: Apache-2.0
#include "host/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "core/error.hpp"

namespace kvpod::host {
namespace {

std::string read_fd(int fd, std::size_t max_bytes, const std::string& what, const std::string& too_big_fix) {
    // Read straight into the string, grown by doubling: a 64 KiB buffer on
    // the stack faulted in pages the floor program never touches, and every
    // byte was copied twice.
    // One byte past the limit is read to tell "too big" from "exactly at it".
    const std::size_t limit = max_bytes == std::numeric_limits<std::size_t>::max() ? max_bytes : max_bytes + 1;
    std::string out(std::min<std::size_t>(16384, limit), '\0');
    std::size_t used = 0;
    while (true) {
        if (used == out.size()) out.resize(std::min(out.size() * 2, limit));
        ssize_t n = ::read(fd, out.data() + used, out.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("cannot read: ") + std::strerror(errno), what);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
        if (used > max_bytes) throw Error("more than " + std::to_string(max_bytes) + " bytes", what, too_big_fix);
    }
    out.resize(used);
    return out;
}

}  // namespace

std::string read_stream(std::FILE* stream, std::size_t max_bytes, const std::string& what, const std::string& too_big_fix) {
    return read_fd(::fileno(stream), max_bytes, what, too_big_fix);
}

std::optional<std::string> read_file(const std::string& path, std::size_t max_bytes, bool missing_ok,
                                     const std::string& too_big_fix, FileStamp* stamp) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT && missing_ok) return std::nullopt;
        throw Error(std::string("cannot open: ") + std::strerror(errno), path);
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw Error("is a directory", path, "give a file");
    }
    if (stamp) {
        auto ns = [](const timespec& t) { return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec; };
        *stamp = FileStamp{st.st_dev, st.st_ino, static_cast<long long>(st.st_size), ns(st.st_mtim), ns(st.st_ctim)};
    }
    try {
        auto text = read_fd(fd, max_bytes, path, too_big_fix);
        ::close(fd);
        return text;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

std::vector<std::string> directory_names(int dir_fd, const std::string& where) {
    // getdents64 itself, not fdopendir(3): that costs an fstat and two fcntls
    // per directory, and a listing needs no DIR state.
    std::vector<std::string> names;
    alignas(dirent64) char buf[16384];
    while (true) {
        ssize_t n = ::getdents64(dir_fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("cannot read directory: ") + std::strerror(errno), where);
        }
        if (n == 0) break;
        for (ssize_t at = 0; at < n;) {
            const auto* entry = reinterpret_cast<const dirent64*>(buf + at);
            std::string_view name = entry->d_name;
            if (name != "." && name != "..") names.emplace_back(name);
            at += entry->d_reclen;
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

void write_stdout(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("cannot write the config: ") + std::strerror(errno), "stdout");
        }
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace kvpod::host
