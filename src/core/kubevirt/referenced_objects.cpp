// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/referenced_objects.hpp"

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/kubevirt/pod_volume_renderer.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

std::string string_of(const Json& root, std::initializer_list<const char*> keys) {
    const Json* at = &root;
    for (const char* key : keys) {
        if (!at->is_object() || !at->contains(key)) return {};
        at = &(*at)[key];
    }
    return at->is_string() ? at->get<std::string>() : std::string();
}

const Json& items_of(const Json& root, const char* key) {
    static const Json kNone = Json::array();
    return root.is_object() && root.contains(key) && root[key].is_array() ? root[key] : kNone;
}

/// A map of text values (data, stringData): an Error naming the key of a
/// value that is no string (the value itself is never shown).
const Json* text_map(const Json& doc, const char* field, const std::string& where) {
    if (!doc.contains(field) || doc[field].is_null()) return nullptr;
    const Json& map = doc[field];
    if (!map.is_object())
        throw Error(std::string(field) + " is not a map of keys to text", where, "write " + std::string(field) + ": {KEY: VALUE}");
    for (const auto& [key, value] : map.items())
        if (!value.is_string())
            throw Error(std::string(field) + " key " + text::quoted(key) + " holds no text", where,
                        "quote the value");
    return &map;
}

/// The Secret's keys and values as Kubernetes stores them: `data` decoded,
/// `stringData` over it.
std::map<std::string, std::string> secret_values(const GivenObject& secret) {
    std::map<std::string, std::string> values;
    if (const Json* data = text_map(secret.doc, "data", secret.source))
        for (const auto& [key, value] : data->items()) {
            auto bytes = base64::decode(value.get<std::string>());
            if (!bytes)
                throw Error("data key " + text::quoted(key) + " is not base64", secret.source,
                            "base64-encode the value (base64 -w0), or put the text under stringData");
            values[key] = std::move(*bytes);
        }
    if (const Json* data = text_map(secret.doc, "stringData", secret.source))
        for (const auto& [key, value] : data->items()) values[key] = value.get<std::string>();
    return values;
}

bool is_utf8(const std::string& s) {
    try {
        (void)Json(s).dump();
        return true;
    } catch (const Json::exception&) {
        return false;
    }
}

}  // namespace

std::vector<ObjectReference> object_references(const Json& spec) {
    std::vector<ObjectReference> out;
    auto add = [&](const char* kind, const std::string& name, const std::string& pointer) {
        out.push_back({kind, name, pointer});
    };
    const Json& volumes = items_of(spec, "volumes");
    for (std::size_t i = 0; i < volumes.size(); ++i) {
        const Json& v = volumes[i];
        const std::string at = "/volumes/" + std::to_string(i);
        if (v.contains("secret")) add("Secret", string_of(v, {"secret", "secretName"}), at + "/secret/secretName");
        if (v.contains("configMap")) add("ConfigMap", string_of(v, {"configMap", "name"}), at + "/configMap/name");
        if (v.contains("sysprep")) {
            if (v["sysprep"].contains("secret"))
                add("Secret", string_of(v, {"sysprep", "secret", "name"}), at + "/sysprep/secret/name");
            if (v["sysprep"].contains("configMap"))
                add("ConfigMap", string_of(v, {"sysprep", "configMap", "name"}), at + "/sysprep/configMap/name");
        }
        for (const char* source : {"cloudInitNoCloud", "cloudInitConfigDrive"})
            for (const char* ref : {"secretRef", "networkDataSecretRef"})
                if (v.contains(source) && v[source].is_object() && v[source].contains(ref))
                    add("Secret", string_of(v, {source, ref, "name"}), at + "/" + source + "/" + ref + "/name");
    }
    const Json& credentials = items_of(spec, "accessCredentials");
    for (std::size_t i = 0; i < credentials.size(); ++i)
        for (const char* type : {"sshPublicKey", "userPassword"})
            if (credentials[i].contains(type))
                add("Secret", string_of(credentials[i], {type, "source", "secret", "secretName"}),
                    "/accessCredentials/" + std::to_string(i) + "/" + type + "/source/secret/secretName");
    return out;
}

void add_given_object(GivenObjects& objects, GivenObject object) {
    const std::string kind = string_of(object.doc, {"kind"});
    const std::string name = string_of(object.doc, {"metadata", "name"});
    if (name.empty()) throw Error("the " + kind + " has no metadata.name", object.source, "name it as the VM does");
    if (kind == "Secret") {
        (void)secret_values(object);  // refuses what podman-secret could not write, now
    } else {
        text_map(object.doc, "data", object.source);
        text_map(object.doc, "binaryData", object.source);
    }
    auto& into = kind == "Secret" ? objects.secrets : objects.config_maps;
    if (auto it = into.find(name); it != into.end())
        throw Error("a second " + kind + " named " + text::quoted(name), object.source,
                    "give each once (the first is " + it->second.source + ")");
    into.emplace(name, std::move(object));
}

std::string podman_secret_document(const GivenObject& secret, const PodmanVersion& podman) {
    const auto values = secret_values(secret);
    Json data = Json::object();
    if (podman.at_least(4, 5)) {
        for (const auto& [key, value] : values) data[key] = base64::encode(value);
        return Json{{"apiVersion", "v1"},
                    {"kind", "Secret"},
                    {"metadata", {{"name", string_of(secret.doc, {"metadata", "name"})}}},
                    {"data", std::move(data)}}
                   .dump() +
               "\n";
    }
    for (const auto& [key, value] : values) {
        if (!is_utf8(value))
            throw Error("key " + text::quoted(key) + " holds bytes that are not UTF-8 text, which Podman " + podman.str() +
                            " cannot put into a secret volume (it reads the values as text)",
                        secret.source, "use Podman 4.5 or later, or text values");
        data[key] = value;
    }
    return Json{{"data", std::move(data)}}.dump() + "\n";
}

Json config_map_for_podman(const Json& config_map) {
    Json out = {{"apiVersion", "v1"},
                {"kind", "ConfigMap"},
                {"metadata", {{"name", string_of(config_map, {"metadata", "name"})}}}};
    for (const char* field : {"data", "binaryData"})
        if (config_map.contains(field) && config_map[field].is_object()) out[field] = config_map[field];
    return out;
}

std::string podman_secret_setup(const GivenObject& secret, const PodmanVersion& podman) {
    const std::string name = pod::sh_quote(string_of(secret.doc, {"metadata", "name"}));
    if (secret.path.empty())
        throw Error("the Secret " + text::quoted(string_of(secret.doc, {"metadata", "name"})) +
                        " was read from stdin, and podman secret create has to read it again",
                    secret.source, "give the Secret in a file: the VM's file or --secret-file FILE");
    const std::string fill = "kubevirt-vm-to-pod podman-secret --podman-version " + podman.str() + " " + name + " " +
                             pod::sh_quote(secret.path) + " | ";
    if (podman.at_least(4, 7)) return fill + "podman secret create --replace " + name + " -";
    return "{ podman secret rm " + name + " >/dev/null 2>&1 || true; } && " + fill + "podman secret create " + name + " -";
}

}  // namespace kvpod::kubevirt
