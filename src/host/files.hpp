// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "host/document_cache.hpp"

namespace kvpod::host {

/// What to do about input over the limit, for the hook (the converter, whose
/// limit is fixed, says its own).
inline const std::string kRaiseHookLimit = "raise limits.configBytes in the hook's configuration if this is legitimate";

/// Reads all of `stream` (stdin) up to `max_bytes`; more is an Error whose
/// remedy is `too_big_fix`.
std::string read_stream(std::FILE* stream, std::size_t max_bytes, const std::string& what,
                        const std::string& too_big_fix = kRaiseHookLimit);

/// Reads a file of the admin's or the user's (config, VM file); nullopt when
/// it does not exist and `missing_ok`. `stamp`, if given, gets the identity
/// of the file that was read.
std::optional<std::string> read_file(const std::string& path, std::size_t max_bytes, bool missing_ok,
                                     const std::string& too_big_fix = kRaiseHookLimit, FileStamp* stamp = nullptr);

/// The names in the open directory `dir_fd` but "." and "..", sorted, read
/// with getdents64 from its current offset; an Error naming `where` if the
/// kernel refuses.
std::vector<std::string> directory_names(int dir_fd, const std::string& where);

/// Writes all of `data` to stdout in as few write(2) calls as possible; an
/// Error if the reader went away.
void write_stdout(const std::string& data);

}  // namespace kvpod::host
