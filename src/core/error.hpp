// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <exception>
#include <string>
#include <vector>

namespace kvpod {

/// The project's one error type. It carries what failed, where it failed
/// (file:line:column, a JSON pointer, a device path) and how to fix it, plus
/// a chain of context added by each layer it passes through on its way up.
///
/// Errors are thrown and caught only by the two `main`s, which print
/// `message()` as one line; nothing half-written reaches stdout before that.
class Error : public std::exception {
public:
    explicit Error(std::string what, std::string where = {}, std::string fix = {});

    /// Prepends a layer of context ("reading env STANDALONE_VMI").
    Error& context(std::string layer) &;
    Error&& context(std::string layer) &&;

    /// Sets the location if none is set yet (inner locations win).
    Error& at(std::string where) &;
    Error&& at(std::string where) &&;

    /// Sets the remedy if none is set yet (inner remedies win).
    Error& fix(std::string remedy) &;
    Error&& fix(std::string remedy) &&;

    const std::string& what_failed() const noexcept { return what_; }
    const std::string& where() const noexcept { return where_; }
    const std::string& remedy() const noexcept { return fix_; }
    const std::vector<std::string>& contexts() const noexcept { return contexts_; }

    /// One line: "ctx: ctx: at WHERE: WHAT; FIX". Newlines in parts are
    /// folded so that a log line or a Podman error stays a single line.
    std::string message() const;
    const char* what() const noexcept override;

private:
    void refresh();

    std::string what_;
    std::string where_;
    std::string fix_;
    std::vector<std::string> contexts_;
    std::string rendered_;
};

/// Runs `body`; any Error escaping it gets `layer` prepended as context.
template <typename Body>
auto with_context(const std::string& layer, Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (Error& e) {
        e.context(layer);
        throw;
    }
}

}  // namespace kvpod
