// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "core/document.hpp"
#include "core/kubevirt/convert.hpp"
#include "golden.hpp"
#include "test_support.hpp"

/// Helpers for the tests of expand_vmi().
namespace kvpod::testing {

using Json = nlohmann::json;

struct Expanded {
    Json vmi;
    kubevirt::Diagnostics diagnostics;
};

inline Json yaml(const std::string& text, const std::string& source = "test.yaml") {
    return document::parse_yaml(text, source);
}

inline std::string example(const std::string& name) { return data_file("data/kubevirt-examples/" + name); }

/// Runs expand_vmi() on YAML texts.
inline Expanded expand(const std::string& vm_yaml, const kubevirt::ConvertOptions& options = {},
                       const std::optional<std::string>& instancetype_yaml = std::nullopt,
                       const std::optional<std::string>& preference_yaml = std::nullopt) {
    kubevirt::VmInput input;
    input.source = "vm.yaml";
    input.vm = yaml(vm_yaml, "vm.yaml");
    if (instancetype_yaml) {
        input.instancetype = yaml(*instancetype_yaml, "it.yaml");
        input.instancetype_source = "it.yaml";
    }
    if (preference_yaml) {
        input.preference = yaml(*preference_yaml, "pref.yaml");
        input.preference_source = "pref.yaml";
    }
    Expanded out;
    out.vmi = kubevirt::expand_vmi(input, options, out.diagnostics);
    return out;
}

/// The message of the Error expand() throws.
inline std::string expand_error(const std::string& vm_yaml, const kubevirt::ConvertOptions& options = {},
                                const std::optional<std::string>& instancetype_yaml = std::nullopt,
                                const std::optional<std::string>& preference_yaml = std::nullopt) {
    return error_of([&] { expand(vm_yaml, options, instancetype_yaml, preference_yaml); });
}

/// The value at a JSON pointer ("/spec/domain/cpu"), or null when missing.
inline Json at(const Json& doc, const std::string& pointer) {
    Json::json_pointer p(pointer);
    return doc.contains(p) ? doc.at(p) : Json();
}

/// Compares `actual` with the golden file tests/<relative>; with
/// UPDATE_GOLDEN=1 in the environment it rewrites the file instead (then
/// read and review the diff before committing it). Same switch as golden.hpp.
inline void check_golden(const std::string& relative, const std::string& actual) {
    const std::string path = data_dir() + "/" + relative;
    if (updating_goldens()) {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    CHECK_MESSAGE(read_file(path) == actual, "golden " << relative << " differs; got:\n" << actual);
}

}  // namespace kvpod::testing
