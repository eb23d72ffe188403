// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kvpod::host {

/// Who a file is, as fstat(2) on the descriptor it was read from saw it: an
/// edit changes the size or times, a replacement (rename, new file) the inode,
/// and nobody can set ctime back.
struct FileStamp {
    unsigned long long device = 0;
    unsigned long long inode = 0;
    long long size = 0;
    long long mtime_ns = 0;
    long long ctime_ns = 0;

    std::string text() const;
};

/// A parsed YAML document kept as JSON in `dir`, for a file read at every
/// container start: parsing the hook's few lines of YAML took yaml-cpp about
/// 0.36M instructions (libyaml, now, about 0.04M), nlohmann::json about 0.02M
/// for the same document. One entry per
/// directory (the last file stored); it holds the file's path, its stamp and
/// the version of the program that stored it, and answers only for all three. The directory and the
/// entry must belong to this process's user and be writable by nobody else,
/// or the entry is not read (nor written).
class DocumentCache {
public:
    DocumentCache(std::string dir, std::string version) : dir_(std::move(dir)), version_(std::move(version)) {}

    /// The document stored for `source` as stamped, if any.
    std::optional<nlohmann::json> find(const std::string& source, const FileStamp& stamp) const;

    /// Stores `document` for `source` (replacing the entry). Best effort: a
    /// cache that cannot be written costs time, never a container start.
    void store(const std::string& source, const FileStamp& stamp, const nlohmann::json& document) const;

    static constexpr const char* kEntryName = "config-cache.json";

private:
    std::string dir_;
    std::string version_;
};

}  // namespace kvpod::host
