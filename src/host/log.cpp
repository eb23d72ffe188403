// SPDX-License-Identifier: Apache-2.0
#include "host/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <string>

#include "core/text.hpp"

namespace kvpod::log {
namespace {

const char* g_ident = "kubevirt-vm-to-pod";
bool g_stderr = false;
bool g_syslog = false;

int priority(Level level) {
    switch (level) {
    case Level::Error: return LOG_ERR;
    case Level::Warning: return LOG_WARNING;
    case Level::Info: return LOG_INFO;
    case Level::Debug: return LOG_DEBUG;
    }
    return LOG_INFO;
}

const char* label(Level level) {
    switch (level) {
    case Level::Error: return "error";
    case Level::Warning: return "warning";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    }
    return "info";
}

}  // namespace

void open(const char* ident, bool to_stderr, bool to_syslog) {
    g_ident = ident;
    g_stderr = to_stderr;
    g_syslog = to_syslog;
    // Without a syslog socket glibc would try to reconnect at every line
    // (two failing syscalls a line); there is nobody to read them anyway.
    struct stat st {};
    if (g_syslog && (::stat("/dev/log", &st) != 0 || !S_ISSOCK(st.st_mode))) g_syslog = false;
    // LOG_NDELAY connects now, so a later failure to reach /dev/log cannot
    // surface in the middle of the work.
    if (g_syslog) ::openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void write(Level level, std::string_view message) {
    std::string line = text::one_line(message);
    if (g_syslog) ::syslog(priority(level), "%s", line.c_str());
    if (g_stderr) {
        std::string out = std::string(g_ident) + ": " + label(level) + ": " + line + "\n";
        // One write(2) per line keeps lines whole when several hooks share a terminal.
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
    }
}

}  // namespace kvpod::log
