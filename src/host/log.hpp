// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

/// Where the hook's words go. Podman discards a precreate hook's stderr, so
/// syslog (journald) is the record; stderr is added for people at a terminal.
namespace kvpod::log {

enum class Level { Error, Warning, Info, Debug };

/// `ident` names the program in syslog ("oci-kubevirt-hook"). Lines go to
/// the syslog socket `syslog_path` as "<PRI>ident[pid]: line" (facility
/// daemon) when something listens there.
void open(const char* ident, bool to_stderr, bool to_syslog = true, const char* syslog_path = "/dev/log");

void write(Level level, std::string_view message);

inline void error(std::string_view m) { write(Level::Error, m); }
inline void warning(std::string_view m) { write(Level::Warning, m); }
inline void info(std::string_view m) { write(Level::Info, m); }

}  // namespace kvpod::log
