// SPDX-License-Identifier: Apache-2.0
#include "core/hook/selection.hpp"

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::hook {
namespace {

kubevirt::VmDocument parse_spec(const std::string& text, const std::string& source, const document::Limits& limits) {
    return with_context("reading the VM spec from " + source, [&] {
        auto doc = document::parse_json_or_yaml(text, source, limits);
        return kubevirt::read_vm_document(doc, source);
    });
}

}  // namespace

Selection select(const oci::ContainerFacts& facts, const document::Limits& spec_limits) {
    Selection out;
    auto annotation = facts.annotations.find(std::string(kVmAnnotation));
    if (annotation == facts.annotations.end()) {
        out.reason = "no " + std::string(kVmAnnotation) + " annotation";
        return out;
    }
    const std::string annotation_source = "annotation " + std::string(kVmAnnotation);
    const std::string env_source = "env " + std::string(kVmiEnv);
    auto vmi_env = oci::env_value(facts.env, kVmiEnv);

    // The annotation is either the spec itself or a short marker (Podman <= 4.6
    // caps kube-play annotation values at 63 characters).
    std::optional<kubevirt::VmDocument> from_annotation;
    const std::string& value = annotation->second;
    // A VM document maps "kind" to a value, so it has a ':'; a value without
    // one is a marker, told apart without the YAML parser (~0.1M instructions).
    // One over the size limit still goes to the parser, which refuses it.
    bool may_be_document = value.find(':') != std::string::npos || value.size() > spec_limits.max_bytes;
    nlohmann::json parsed;
    if (may_be_document)
        parsed = with_context("reading " + annotation_source, [&] {
            return document::parse_json_or_yaml(value, annotation_source, spec_limits);
        });
    if (parsed.is_object()) from_annotation = parse_spec(value, annotation_source, spec_limits);
    else out.marker = value;

    if (facts.annotations.count(std::string(kSandboxAnnotation)) && !vmi_env) {
        // Pod annotations reach every init and app container; only the one
        // that carries the VMI in its env is the compute container.
        out.verdict = Verdict::NotCompute;
        out.reason = "in a VM pod but without env " + std::string(kVmiEnv) + " (init container or sidecar)";
        return out;
    }
    if (from_annotation) {
        out.vm = std::move(from_annotation);
        out.spec_source = annotation_source;
    } else if (vmi_env) {
        out.vm = parse_spec(*vmi_env, env_source, spec_limits);
        out.spec_source = env_source;
    } else {
        throw Error("no VM spec: the annotation value " + text::quoted(value) +
                        " is a name, not a VirtualMachine document, and the container has no env " +
                        std::string(kVmiEnv),
                    annotation_source,
                    "pass the VMI with --env STANDALONE_VMI=<json> or put the whole VM document in the annotation");
    }
    out.verdict = Verdict::Compute;
    out.reason = "compute container of VM " + text::quoted(out.vm->name) + " (spec from " + out.spec_source + ")";
    return out;
}

}  // namespace kvpod::hook
