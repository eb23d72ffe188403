// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

/// JSON Schema validation for tests, through valijson (draft 4/7). Relative
/// "$ref"s to other files are resolved in the schema's own directory.
namespace kvpod::testing {

class SchemaValidator {
public:
    SchemaValidator(const std::string& dir, const std::string& entry) {
        directory() = dir;
        nlohmann::json root = load(dir + "/" + entry);
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft4);
        valijson::adapters::NlohmannJsonAdapter adapter(root);
        parser.populateSchema(adapter, schema_, &fetch, &release);
    }

    /// An empty list when `doc` is valid, else one line per violation.
    std::vector<std::string> errors(const nlohmann::json& doc) const {
        valijson::Validator validator;
        valijson::ValidationResults results;
        valijson::adapters::NlohmannJsonAdapter adapter(doc);
        std::vector<std::string> out;
        if (validator.validate(schema_, adapter, &results)) return out;
        valijson::ValidationResults::Error error;
        while (results.popError(error)) {
            std::string path;
            for (const auto& part : error.context) path += part;
            out.push_back(path + ": " + error.description);
        }
        return out;
    }

private:
    static std::string& directory() {
        static std::string dir;
        return dir;
    }

    static nlohmann::json load(const std::string& path) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("cannot open schema " + path);
        auto schema = nlohmann::json::parse(in);
        widen_huge_bounds(schema);
        return schema;
    }

    /// valijson 1.0 reads integer bounds as int64, so the runtime-spec's
    /// uint64 maximum (18446744073709551615) wraps to -1 and rejects every
    /// value; as a double the bound keeps its meaning.
    static void widen_huge_bounds(nlohmann::json& node) {
        if (node.is_number_unsigned() && node.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
            node = static_cast<double>(node.get<std::uint64_t>());
            return;
        }
        if (node.is_structured())
            for (auto& child : node) widen_huge_bounds(child);
    }

    static const nlohmann::json* fetch(const std::string& uri) { return new nlohmann::json(load(directory() + "/" + uri)); }
    static void release(const nlohmann::json* doc) { delete doc; }

    valijson::Schema schema_;
};

}  // namespace kvpod::testing
