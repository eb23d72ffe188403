// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
    /// The partial document with annotations, process.env and
    /// linux.cgroupsPath (what read_facts needs to select), or nullopt when
    /// json_skim::skim() finds the text not eligible: the caller then parses
    /// the whole text the usual way, which reports any error. The result
    /// refers to `text`, which must outlive it.
    static std::optional<PartialConfig> read(std::string_view text, const document::Limits& limits);

    /// The partial document: the recorded members at their usual paths.
    nlohmann::json& json() { return doc_; }

    /// Adds the members a patch may change (process.rlimits, hooks,
    /// linux.devices, linux.resources.devices, and of linux.seccomp
    /// defaultAction, architectures and those syscalls rules that may name
    /// one of `syscalls`) and remembers their values to see later what
    /// changed. False when a member cannot be read, which skim() should have
    /// ruled out.
    bool load_for_patch(const std::vector<std::string>& syscalls);

    /// Loads /mounts, which read() leaves as text: only a compute container
    /// needs them, and of them only the one that names
    /// /run/.containerenv (the container's directory under Podman's
    /// storage): the others stay text. False when a mount cannot be read.
    bool load_mounts();

    /// Tells how allow_syscall() changed the seccomp rules (its
    /// SeccompChange::removed and ::appended), so that the rules not loaded
    /// keep their places around the loaded ones.
    void note_rules_change(const std::vector<bool>& removed, bool appended);

    /// The original text with each member that changed since
    /// load_for_patch() rewritten and each new one inserted, ending with a
    /// newline. For sorted compact text (a dump) it equals the whole
    /// document's dump byte for byte. Nullopt when the document holds
    /// something that has no place in the text (a removed member): the
    /// caller then patches the whole config instead.
    std::optional<std::string> write_back() const;

private:
    struct Edit;
    PartialConfig(std::string_view text, json_skim::Skim skim) : text_(text), skim_(std::move(skim)) {}
    bool load(json_skim::Field field);
    bool load_rules(const std::vector<std::string>& syscalls);
    bool edit_container(json_skim::Field parent, const nlohmann::json& value, std::vector<Edit>& edits) const;
    std::optional<std::string> rules_text(const nlohmann::json& rules) const;

    std::string_view text_;
    json_skim::Skim skim_;
    nlohmann::json doc_ = nlohmann::json::object();
    nlohmann::json before_;  ///< doc_ as load_for_patch() left it
    /// Sparse seccomp rules: doc_ holds only those that may matter. For each
    /// rule now in doc_, its index among the text's rules (nullopt: new).
    bool sparse_rules_ = false;
    bool rules_lost_track_ = false;
    std::vector<std::optional<std::size_t>> rule_origin_;
    std::vector<std::size_t> loaded_rules_;  ///< text indices of the loaded rules, as in before_
    bool sparse_mounts_ = false;  ///< doc_ holds only the mounts that may name /run/.containerenv
};

}  // namespace kvpod::oci
