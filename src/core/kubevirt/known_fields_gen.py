#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generates the converter's table of known KubeVirt fields.

Reads KubeVirt's OpenAPI (Swagger 2.0) document and writes a C++ source with
one node per type reachable from the documents the converter reads (VM, VMI,
instancetypes, preferences): structs with their sorted property names, maps,
arrays and scalars. The converter walks input documents against it to warn
about unknown fields, reject wrong types and print quantities canonically,
without reading the OpenAPI document at run time.

Usage: known_fields_gen.py <kubevirt-openapi.json> <output.cpp>
"""

import json
import os
import sys

ROOTS = [
    "v1.VirtualMachine",
    "v1.VirtualMachineInstance",
    "v1.VirtualMachineInstancePreset",
    "v1beta1.VirtualMachineInstancetype",
    "v1beta1.VirtualMachineClusterInstancetype",
    "v1beta1.VirtualMachinePreference",
    "v1beta1.VirtualMachineClusterPreference",
]

# Definitions whose JSON is not a struct of known fields.
SPECIAL = {
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "Any",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "Any",
}

SCALARS = {"string": "String", "integer": "Integer", "number": "Number", "boolean": "Boolean"}


class Generator:
    def __init__(self, definitions):
        self.defs = definitions
        self.nodes = []  # [type, element, first, count, definition]
        self.by_key = {}
        self.struct_of = {}
        self.properties = []

    def node(self, key, kind, element=0, definition=""):
        if key not in self.by_key:
            self.by_key[key] = len(self.nodes)
            self.nodes.append([kind, element, 0, 0, definition])
        return self.by_key[key]

    def ref_name(self, schema):
        return schema["$ref"].rsplit("/", 1)[-1]

    def resolve(self, schema):
        """The node index for a property or item schema."""
        if "$ref" in schema:
            return self.definition(self.ref_name(schema))
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            if len(kinds) == 1:
                kind = kinds[0]
            elif "string" in kinds:
                return self.node(("scalar", "IntOrString"), "IntOrString")
            else:
                return self.node(("scalar", "Any"), "Any")
        if kind == "array":
            element = self.resolve(schema.get("items", {}))
            return self.node(("array", element), "Array", element)
        if kind == "object" or kind is None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                element = self.resolve(extra)
                return self.node(("map", element), "Map", element)
            return self.node(("scalar", "Any"), "Any")
        if kind == "string" and schema.get("format") == "int-or-string":
            return self.node(("scalar", "IntOrString"), "IntOrString")
        if kind in SCALARS:
            return self.node(("scalar", SCALARS[kind]), SCALARS[kind])
        raise SystemExit(f"unhandled schema type {kind!r}")

    def definition(self, name):
        if name in SPECIAL:
            return self.node(("scalar", SPECIAL[name]), SPECIAL[name])
        if name in self.struct_of:
            return self.struct_of[name]
        schema = self.defs[name]
        if "properties" not in schema and schema.get("type") != "object":
            return self.resolve(schema)
        index = self.node(("struct", name), "Struct", 0, name)
        self.struct_of[name] = index
        props = sorted(schema.get("properties", {}).items())
        # Resolve children first (recursion may add nodes), then lay out
        # this struct's properties contiguously.
        resolved = [(prop, self.resolve(sub)) for prop, sub in props]
        self.nodes[index][2] = len(self.properties)
        self.nodes[index][3] = len(resolved)
        self.properties.extend(resolved)
        return index


def cpp_string(text):
    return json.dumps(text)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, output = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]
    gen = Generator(definitions)
    roots = [(name, gen.definition(name)) for name in ROOTS]
    if len(gen.nodes) > 65535 or len(gen.properties) > 65535:
        raise SystemExit("table too large for 16-bit indices")

    # Every name once, back to back; the table refers to them by offset.
    names = {}
    blob = []

    def name(text):
        if text not in names:
            names[text] = sum(len(t.encode("utf-8")) for t in blob)
            blob.append(text)
        size = len(text.encode("utf-8"))
        if size > 65535:
            raise SystemExit(f"name too long for the table: {text[:40]}...")
        return f"{{{names[text]}, {size}}}"

    properties = [f"    {{{name(prop)}, {node}}}," for prop, node in gen.properties]
    nodes = [f"    {{Type::{kind}, {element}, {first}, {count}, {name(definition)}}},"
             for kind, element, first, count, definition in gen.nodes]
    root_lines = [f"    {{{name(definition)}, {node}}}," for definition, node in roots]
    if sum(len(t.encode("utf-8")) for t in blob) > 0xFFFFFFFF:
        raise SystemExit("names too large for 32-bit offsets")

    out = []
    out.append("// SPDX-License-Identifier: Apache-2.0")
    out.append(f"// Generated by known_fields_gen.py from {os.path.basename(source)}; do not edit.")
    out.append('#include "core/kubevirt/known_fields_table.hpp"')
    out.append("")
    out.append("namespace kvpod::kubevirt::schema {")
    out.append("namespace {")
    out.append("")
    out.append("constexpr char kNames[] =")
    out.extend(f"    {cpp_string(text)}" for text in blob)
    out.append("    ;")
    out.append("")
    out.append("constexpr Property kProperties[] = {")
    out.extend(properties)
    out.append("};")
    out.append("")
    out.append("constexpr Node kNodes[] = {")
    out.extend(nodes)
    out.append("};")
    out.append("")
    out.append("constexpr Root kRoots[] = {")
    out.extend(root_lines)
    out.append("};")
    out.append("")
    out.append("constexpr Table kTable{{kNames, sizeof kNames - 1}, kNodes, kProperties, kRoots};")
    out.append("")
    out.append("}  // namespace")
    out.append("")
    out.append("const Table& table() { return kTable; }")
    out.append("")
    out.append("}  // namespace kvpod::kubevirt::schema")
    text = "\n".join(out) + "\n"
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
