// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/known_fields.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/kubevirt/known_fields_table.hpp"
#include "core/kubevirt/quantity.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

using schema::Node;
using schema::Type;

/// Fields of the OpenAPI copy (kubevirt d923fdb8) that KubeVirt v1.8.0's API
/// does not have: v1.8's API server prunes them, so they are treated as
/// unknown with a message that says why.
struct NewerField {
    std::string_view definition;
    std::string_view property;
};
constexpr std::array<NewerField, 5> kNewerThanV18 = {{
    {"v1.Interface", "portRanges"},
    {"v1.Network", "resourceClaim"},
    {"v1.VirtualMachineInstanceSpec", "serviceAccountName"},
    {"v1beta1.DevicePreferences", "preferredVideoType"},
    {"v1beta1.VirtualMachinePreferenceSpec", "preferredLaunchSecurity"},
}};

bool newer_than_v18(std::string_view definition, std::string_view property) {
    return std::any_of(kNewerThanV18.begin(), kNewerThanV18.end(),
                       [&](const NewerField& f) { return f.definition == definition && f.property == property; });
}

std::string escape_token(std::string_view key) {
    std::string out;
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

const char* expected_text(Type type) {
    switch (type) {
        case Type::Struct:
        case Type::Map: return "an object";
        case Type::Array: return "a list";
        case Type::String: return "a string";
        case Type::Integer: return "an integer";
        case Type::Number: return "a number";
        case Type::Boolean: return "true or false";
        case Type::Quantity: return "a quantity such as 128Mi";
        case Type::IntOrString: return "an integer or a string";
        case Type::Any: return "any value";
    }
    return "?";
}

std::string found_text(const Json& value) {
    if (value.is_string()) return "a string (" + text::quoted(value.get_ref<const std::string&>(), 40) + ")";
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    if (value.is_number_integer()) return "an integer (" + value.dump() + ")";
    if (value.is_number()) return "a number (" + value.dump() + ")";
    if (value.is_object()) return "an object";
    if (value.is_array()) return "a list";
    return "null";
}

class Walker {
public:
    Walker(std::string_view source, Diagnostics& diagnostics) : source_(source), diagnostics_(diagnostics) {}

    void walk(Json& value, const Node& node, std::string& path) {
        const auto& table = schema::table();
        switch (node.type) {
            case Type::Struct: {
                if (!value.is_object()) return mismatch(value, node.type, path);
                auto props = table.properties.subspan(node.first, node.count);
                for (auto it = value.begin(); it != value.end();) {
                    const std::string key = it.key();
                    auto found = std::lower_bound(props.begin(), props.end(), key,
                                                  [&](const schema::Property& p, const std::string& k) {
                                                      return table.text(p.name) < k;
                                                  });
                    std::size_t length = path.size();
                    path += '/';
                    path += escape_token(key);
                    bool known = found != props.end() && table.text(found->name) == key;
                    if (!known || newer_than_v18(table.text(node.definition), key)) {
                        unknown(key, props, known, path);
                        it = value.erase(it);
                    } else if (it->is_null()) {
                        it = value.erase(it);
                    } else {
                        walk(*it, table.nodes[found->node], path);
                        ++it;
                    }
                    path.resize(length);
                }
                return;
            }
            case Type::Map: {
                if (!value.is_object()) return mismatch(value, node.type, path);
                for (auto it = value.begin(); it != value.end();) {
                    if (it->is_null()) {
                        it = value.erase(it);
                        continue;
                    }
                    std::size_t length = path.size();
                    path += '/';
                    path += escape_token(it.key());
                    walk(*it, table.nodes[node.element], path);
                    path.resize(length);
                    ++it;
                }
                return;
            }
            case Type::Array: {
                if (!value.is_array()) return mismatch(value, node.type, path);
                for (std::size_t i = 0; i < value.size(); ++i) {
                    std::size_t length = path.size();
                    path += '/';
                    path += std::to_string(i);
                    walk(value[i], table.nodes[node.element], path);
                    path.resize(length);
                }
                return;
            }
            case Type::String:
                if (!value.is_string()) mismatch(value, node.type, path);
                return;
            case Type::Integer:
                if (!value.is_number_integer()) mismatch(value, node.type, path);
                return;
            case Type::Number:
                if (!value.is_number()) mismatch(value, node.type, path);
                return;
            case Type::Boolean:
                if (!value.is_boolean()) mismatch(value, node.type, path);
                return;
            case Type::IntOrString:
                if (!value.is_string() && !value.is_number_integer()) mismatch(value, node.type, path);
                return;
            case Type::Quantity: {
                std::optional<Quantity> q;
                if (value.is_string()) q = Quantity::try_parse(value.get_ref<const std::string&>());
                else if (value.is_number()) q = Quantity::try_parse(value.dump());
                if (!q) return mismatch(value, node.type, path);
                value = q->str();
                return;
            }
            case Type::Any: return;
        }
    }

    void finish() const {
        if (mismatches_.empty()) return;
        const std::string fix = "write each value with the type KubeVirt's API defines";
        if (mismatches_.size() == 1)
            throw Error(mismatches_[0].second, std::string(source_) + ":" + mismatches_[0].first, fix);
        std::vector<std::string> items;
        for (const auto& [where, what] : mismatches_) items.push_back(where + ": " + what);
        throw Error("values of the wrong type: " + text::join(items, " | "), std::string(source_), fix);
    }

private:
    void mismatch(const Json& value, Type expected, const std::string& path) {
        mismatches_.emplace_back(path.empty() ? "/" : path,
                                 std::string("expected ") + expected_text(expected) + ", found " + found_text(value));
    }

    void unknown(const std::string& key, std::span<const schema::Property> props, bool is_newer,
                 const std::string& path) {
        std::string message;
        if (is_newer) {
            message = "field " + text::quoted(key) + " is newer than KubeVirt v1.8, ignored";
        } else {
            message = "unknown field " + text::quoted(key) + ", ignored";
            std::size_t limit = key.size() <= 4 ? 1 : 2;
            std::string_view best;
            std::size_t best_distance = limit + 1;
            for (const auto& p : props) {
                std::string_view name = schema::table().text(p.name);
                std::size_t d = edit_distance(text::to_lower(key), text::to_lower(name));
                if (d < best_distance) {
                    best_distance = d;
                    best = name;
                }
            }
            if (!best.empty()) message += " (did you mean " + text::quoted(best) + "?)";
        }
        diagnostics_.push_back({std::string(source_) + ":" + path, message});
    }

    std::string_view source_;
    Diagnostics& diagnostics_;
    std::vector<std::pair<std::string, std::string>> mismatches_;
};

}  // namespace

void normalise_document(Json& doc, std::string_view definition, std::string_view source, Diagnostics& diagnostics) {
    const auto& table = schema::table();
    auto root = std::find_if(table.roots.begin(), table.roots.end(),
                             [&](const schema::Root& r) { return table.text(r.definition) == definition; });
    if (root == table.roots.end())
        throw Error("no schema for " + std::string(definition), std::string(source));
    Walker walker(source, diagnostics);
    std::string path;
    walker.walk(doc, table.nodes[root->node], path);
    walker.finish();
}

}  // namespace kvpod::kubevirt
