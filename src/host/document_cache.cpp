// SPDX-License-Identifier: Apache-2.0
#include "host/document_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "host/fd.hpp"

namespace kvpod::host {
namespace {

/// Owned by us and writable by nobody else: what another user could have
/// written is never read back as the admin's configuration.
bool ours_alone(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int open_dir(const std::string& dir) { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW); }

std::optional<std::string> read_all(int fd) {
    std::string text;
    char buf[16384];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > (1u << 20)) return std::nullopt;  // the config itself is at most 1 MiB
    }
}

}  // namespace

std::string FileStamp::text() const {
    return std::to_string(device) + ":" + std::to_string(inode) + ":" + std::to_string(size) + ":" +
           std::to_string(mtime_ns) + ":" + std::to_string(ctime_ns);
}

std::optional<nlohmann::json> DocumentCache::find(const std::string& source, const FileStamp& stamp) const {
    Fd dir(open_dir(dir_));
    if (dir.fd < 0 || !ours_alone(dir.fd)) return std::nullopt;
    Fd entry(::openat(dir.fd, kEntryName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (entry.fd < 0 || !ours_alone(entry.fd)) return std::nullopt;
    auto text = read_all(entry.fd);
    if (!text) return std::nullopt;
    auto cached = nlohmann::json::parse(*text, nullptr, false);
    if (!cached.is_object() || cached.value("version", "") != version_ || cached.value("source", "") != source ||
        cached.value("stamp", "") != stamp.text() || !cached.contains("document"))
        return std::nullopt;
    return std::move(cached["document"]);
}

void DocumentCache::store(const std::string& source, const FileStamp& stamp, const nlohmann::json& document) const {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return;
    Fd dir(open_dir(dir_));
    if (dir.fd < 0 || !ours_alone(dir.fd)) return;
    std::string text =
        nlohmann::json{{"version", version_}, {"source", source}, {"stamp", stamp.text()}, {"document", document}}
            .dump();
    // Written aside and renamed over the entry: a reader sees the old entry or
    // the new one, never half of one (and a torn one would not parse).
    std::string temporary = std::string(".") + kEntryName + "." + std::to_string(::getpid());
    Fd out(::openat(dir.fd, temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (out.fd < 0) return;
    bool written = ::write(out.fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (!written || ::renameat(dir.fd, temporary.c_str(), dir.fd, kEntryName) != 0)
        ::unlinkat(dir.fd, temporary.c_str(), 0);
}

}  // namespace kvpod::host
