// SPDX-License-Identifier: Apache-2.0
// Build-time generator of the converter's table of KubeVirt's common
// instancetypes and preferences (common_instancetypes.hpp).
//
// Reads the two bundle files with the converter's own YAML reader (so a
// document means here what it would mean given with --instancetype-file),
// checks that every document is of the kind its file holds, that names are
// unique and that all carry the same bundle version label, and writes a C++
// source: each document's name and spec (compact JSON), sorted by name. The descriptions and labels stay in the YAML files:
// KubeVirt applies only the spec.
//
// Usage: common_instancetypes_gen INSTANCETYPES.yaml PREFERENCES.yaml OUTPUT.cpp
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "core/error.hpp"

namespace {

using Json = nlohmann::json;
using kvpod::Error;

constexpr const char* kApiVersion = "instancetype.kubevirt.io/v1beta1";
constexpr const char* kVersionLabel = "instancetype.kubevirt.io/common-instancetypes-version";

struct Document {
    std::string name;
    std::string spec_json;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read the file", path, "check the path given to the generator");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string string_at(const Json& doc, const std::vector<const char*>& path) {
    const Json* node = &doc;
    for (const char* key : path) {
        if (!node->is_object() || !node->contains(key)) return {};
        node = &(*node)[key];
    }
    return node->is_string() ? node->get<std::string>() : std::string();
}

std::vector<Document> read_bundle(const std::string& path, const std::string& kind, std::string& version) {
    std::vector<Document> out;
    kvpod::document::Limits limits;
    limits.max_bytes = 16 * 1024 * 1024;
    auto docs = kvpod::document::parse_yaml_stream(read_file(path), path, limits);
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const Json& doc = docs[i];
        const std::string where = path + " (document " + std::to_string(i + 1) + ")";
        if (string_at(doc, {"apiVersion"}) != kApiVersion || string_at(doc, {"kind"}) != kind)
            throw Error("is not a " + kind + " of " + kApiVersion, where, "give the bundle file of " + kind + "s");
        std::string name = string_at(doc, {"metadata", "name"});
        if (name.empty()) throw Error("has no metadata.name", where, "give the bundle as KubeVirt ships it");
        std::string doc_version = string_at(doc, {"metadata", "labels", kVersionLabel});
        if (doc_version.empty() || (!version.empty() && doc_version != version))
            throw Error("has bundle version '" + doc_version + "', not '" + version + "'", where,
                        "give both files of one bundle");
        version = doc_version;
        out.push_back({name, (doc.contains("spec") ? doc["spec"] : Json::object()).dump()});
    }
    std::sort(out.begin(), out.end(), [](const Document& a, const Document& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].name == out[i - 1].name)
            throw Error("has two documents named '" + out[i].name + "'", path, "give the bundle as KubeVirt ships it");
    if (out.empty()) throw Error("holds no " + kind, path, "give the bundle as KubeVirt ships it");
    return out;
}

/// `text` as the body of a C string literal.
std::string c_escaped(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f || c == '?') {  // '?': no trigraphs
            char octal[5];
            std::snprintf(octal, sizeof octal, "\\%03o", c);
            out += octal;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

class Writer {
public:
    /// Appends `text` to the shared string; returns its offset.
    std::size_t add(const std::string& text) {
        std::size_t offset = size_;
        literal_ += "    \"" + c_escaped(text) + "\"\n";
        size_ += text.size();
        return offset;
    }
    std::string entries(const std::vector<Document>& docs) {
        std::string out;
        for (const auto& d : docs) {
            std::size_t name = add(d.name);
            std::size_t json = add(d.spec_json);
            out += "    {" + std::to_string(name) + ", " + std::to_string(d.name.size()) + ", " + std::to_string(json) +
                   ", " + std::to_string(d.spec_json.size()) + "},  // " + d.name + "\n";
        }
        return out;
    }
    const std::string& literal() const { return literal_; }

private:
    std::string literal_;
    std::size_t size_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s INSTANCETYPES.yaml PREFERENCES.yaml OUTPUT.cpp\n", argv[0]);
        return 2;
    }
    try {
        std::string version;
        auto instancetypes = read_bundle(argv[1], "VirtualMachineClusterInstancetype", version);
        auto preferences = read_bundle(argv[2], "VirtualMachineClusterPreference", version);
        Writer writer;
        std::string instancetype_entries = writer.entries(instancetypes);
        std::string preference_entries = writer.entries(preferences);
        std::string out =
            "// Generated by common_instancetypes_gen from data/common-instancetypes: do not edit.\n"
            "#include \"core/kubevirt/common_instancetypes.hpp\"\n\n"
            "namespace kvpod::kubevirt::common_instancetypes::generated {\n\n"
            "extern const char kVersion[] = \"" + c_escaped(version) + "\";\n\n"
            "extern const char kText[] =\n" + writer.literal() + "    ;\n\n"
            "extern const Entry kInstancetypes[] = {\n" + instancetype_entries + "};\n"
            "extern const std::size_t kInstancetypeCount = " + std::to_string(instancetypes.size()) + ";\n\n"
            "extern const Entry kPreferences[] = {\n" + preference_entries + "};\n"
            "extern const std::size_t kPreferenceCount = " + std::to_string(preferences.size()) + ";\n\n"
            "}  // namespace kvpod::kubevirt::common_instancetypes::generated\n";
        std::ofstream file(argv[3], std::ios::binary | std::ios::trunc);
        file << out;
        if (!file.flush()) throw Error("cannot write the file", argv[3], "check the build directory");
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "common_instancetypes_gen: error: %s\n", e.message().c_str());
        return 1;
    }
}
