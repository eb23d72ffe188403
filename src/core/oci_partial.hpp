// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/json_skim.hpp"

/// The hook's fast path over a runtime config: only the members it reads or
/// changes are parsed (into a document of the same shape, so read_facts,
/// apply and allow_syscall run on it unchanged), and the output is the
/// original text with just the changed members rewritten. Podman's config is
/// some 20 KB, most of it a seccomp profile that a container the hook ignores
/// never needs parsed.
namespace kvpod::oci {

class PartialConfig {
public:
    /// The partial document with annotations, process.env, mounts and
    /// linux.cgroupsPath (what read_facts needs), or nullopt when
    /// json_skim::skim() finds the text not eligible: the caller then parses
    /// the whole text the usual way, which reports any error.
    static std::optional<PartialConfig> read(std::string_view text, const document::Limits& limits);

    /// The partial document: the recorded members at their usual paths.
    nlohmann::json& json() { return doc_; }

    /// Adds the members a patch may change (process.rlimits, hooks,
    /// linux.devices, linux.resources.devices, linux.seccomp) and remembers
    /// their values to see later what changed. False when a member cannot be
    /// read, which skim() should have ruled out.
    bool load_for_patch();

    /// The original text with each member that changed since
    /// load_for_patch() rewritten and each new one inserted, ending with a
    /// newline. For sorted compact text (a dump) it equals the whole
    /// document's dump byte for byte. The seccomp
    /// profile is not copied to be compared (it is most of the config), so
    /// the caller says whether it changed. Nullopt when the document holds
    /// something that has no place in the text (a removed member): the
    /// caller then patches the whole config instead.
    std::optional<std::string> write_back(bool seccomp_changed) const;

private:
    struct Edit;
    PartialConfig(std::string_view text, const json_skim::Skim& skim) : text_(text), skim_(skim) {}
    bool load(json_skim::Field field);
    bool edit_container(json_skim::Field parent, const nlohmann::json& value, bool seccomp_changed,
                        std::vector<Edit>& edits) const;

    std::string_view text_;
    json_skim::Skim skim_;
    nlohmann::json doc_ = nlohmann::json::object();
    nlohmann::json before_;  ///< doc_ as load_for_patch() left it, without the seccomp profile
};

}  // namespace kvpod::oci
