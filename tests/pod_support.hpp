// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// Checks on a rendered Pod shared by the render and golden tests.
namespace kvpod::testing {

/// The element of `list` whose "name" is `name`, or null.
inline nlohmann::json named(const nlohmann::json& list, const std::string& name) {
    if (list.is_array())
        for (const auto& item : list)
            if (item.value("name", std::string()) == name) return item;
    return nullptr;
}

/// What kube play would trip over, or a reviewer should never see: one line
/// per problem, empty when the Pod is sound. Every mount names a volume,
/// names are unique, no container mounts two things at one path, emptyDirs
/// carry the Pod's name (kube play shares emptyDirs by name across Pods).
inline std::vector<std::string> pod_problems(const nlohmann::json& pod) {
    std::vector<std::string> problems;
    const auto& spec = pod["spec"];
    std::string pod_name = pod["metadata"]["name"];
    std::set<std::string> volumes;
    for (const auto& v : spec["volumes"]) {
        std::string name = v["name"];
        if (!volumes.insert(name).second) problems.push_back("volume " + name + " twice");
        if (v.contains("emptyDir") && name.rfind(pod_name + "-", 0) != 0)
            problems.push_back("emptyDir " + name + " not named after the Pod");
        if (v.size() != 2) problems.push_back("volume " + name + " has not exactly one source");
    }
    std::set<std::string> containers;
    for (const char* list : {"initContainers", "containers"}) {
        if (!spec.contains(list)) continue;
        for (const auto& c : spec[list]) {
            std::string cname = c["name"];
            if (!containers.insert(cname).second) problems.push_back("container " + cname + " twice");
            if (c.contains("restartPolicy")) problems.push_back(cname + " has a container restartPolicy");
            std::set<std::string> paths;
            nlohmann::json mounts = c.value("volumeMounts", nlohmann::json::array());
            for (const auto& m : mounts) {
                std::string vname = m["name"], path = m["mountPath"];
                if (!volumes.count(vname)) problems.push_back(cname + " mounts unknown volume " + vname);
                if (!paths.insert(path).second) problems.push_back(cname + " mounts two volumes at " + path);
            }
        }
    }
    if (spec.contains("imagePullSecrets")) problems.push_back("imagePullSecrets left in");
    nlohmann::json annotations = pod["metadata"].value("annotations", nlohmann::json::object());
    for (const auto& [key, value] : annotations.items())
        if (!value.is_string()) problems.push_back("annotation " + key + " is not a string");
    return problems;
}

}  // namespace kvpod::testing
