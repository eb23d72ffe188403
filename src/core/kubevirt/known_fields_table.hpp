// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

/// The shape of KubeVirt's API types, generated at build time from KubeVirt's
/// OpenAPI document by known_fields_gen.py (see known_fields_table.cpp in the
/// build directory). Only the types reachable from the documents the
/// converter reads are present.
namespace kvpod::kubevirt::schema {

enum class Type : std::uint8_t {
    Struct,       ///< an object with known properties
    Map,          ///< an object whose values all have type `element`
    Array,        ///< a list of `element`
    String,
    Integer,
    Number,
    Boolean,
    Quantity,     ///< resource.Quantity: a string or a number
    IntOrString,  ///< an integer or a string
    Any,          ///< free-form (RawExtension, FieldsV1)
};

/// A name, as its place in Table::names. Offsets, not pointers: a table of
/// string_views needed ~1,400 relocations, and ~8 pages written, at every
/// start of the converter; this one is read-only data the loader never
/// touches.
struct Name {
    std::uint32_t offset;
    std::uint16_t size;
};

struct Property {
    Name name;
    std::uint16_t node;
};

struct Node {
    Type type;
    std::uint16_t element;  ///< Map and Array: the node of the values
    std::uint16_t first;    ///< Struct: index of its first property
    std::uint16_t count;    ///< Struct: number of properties, sorted by name
    Name definition;        ///< Struct: OpenAPI definition name
};

struct Root {
    Name definition;
    std::uint16_t node;
};

struct Table {
    std::string_view names;  ///< every name, back to back
    std::span<const Node> nodes;
    std::span<const Property> properties;
    std::span<const Root> roots;

    std::string_view text(Name name) const { return names.substr(name.offset, name.size); }
};

/// The generated table.
const Table& table();

}  // namespace kvpod::kubevirt::schema
