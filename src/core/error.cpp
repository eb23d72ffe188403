// SPDX-License-Identifier: Apache-2.0
#include "core/error.hpp"

#include "core/text.hpp"

namespace kvpod {

Error::Error(std::string what, std::string where, std::string fix)
    : what_(std::move(what)), where_(std::move(where)), fix_(std::move(fix)) {
    refresh();
}

Error& Error::context(std::string layer) & {
    contexts_.insert(contexts_.begin(), std::move(layer));
    refresh();
    return *this;
}

Error&& Error::context(std::string layer) && { return std::move(context(std::move(layer))); }

Error& Error::at(std::string where) & {
    if (where_.empty()) {
        where_ = std::move(where);
        refresh();
    }
    return *this;
}

Error&& Error::at(std::string where) && { return std::move(at(std::move(where))); }

Error& Error::fix(std::string remedy) & {
    if (fix_.empty()) {
        fix_ = std::move(remedy);
        refresh();
    }
    return *this;
}

Error&& Error::fix(std::string remedy) && { return std::move(fix(std::move(remedy))); }

std::string Error::message() const { return rendered_; }

const char* Error::what() const noexcept { return rendered_.c_str(); }

void Error::refresh() {
    std::string line;
    for (const auto& layer : contexts_) {
        line += layer;
        line += ": ";
    }
    if (!where_.empty()) {
        line += where_;
        line += ": ";
    }
    line += what_;
    if (!fix_.empty()) {
        line += "; ";
        line += fix_;
    }
    rendered_ = text::one_line(line);
}

}  // namespace kvpod
