// SPDX-License-Identifier: Apache-2.0
#include "core/vnc.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <unordered_set>

#include "core/kubevirt/names.hpp"
#include "core/text.hpp"

namespace kvpod::vnc {
namespace {

constexpr const char* kServer = "VNC server";

std::uint16_t u16(const std::string& s, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(s[at]) << 8) | static_cast<std::uint8_t>(s[at + 1]));
}

std::uint32_t u32(const std::string& s, std::size_t at) {
    return (static_cast<std::uint32_t>(u16(s, at)) << 16) | u16(s, at + 2);
}

void put_u16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v >> 8);
    out += static_cast<char>(v & 0xff);
}

void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v & 0xffff));
}

/// Text a server sent, made safe to show on one line.
std::string printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || problem != std::errc() || end != text.data() + text.size() || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string socket_relative(const console::ComputeContainer& container) {
    std::string name(kSocketName);
    return container.uid.empty() ? name : container.uid + "/" + name;
}

Error socket_error(console::SocketProblem problem, const std::string& path, const std::string& vm,
                   const std::string& detail) {
    static constexpr console::SocketWording kVnc{
        "the VNC socket",
        "no VNC socket",
        "a VM with autoattachGraphicsDevice: false has no display",
        "vnc",
        "the VNC socket accepts no more connections now",
        "close a viewer and try again",
        "run it",
    };
    return console::socket_error(problem, path, vm, detail, kVnc);
}

ListenAddress parse_listen(std::string_view text) {
    const std::string given(text);
    auto bad = [&](const std::string& why) {
        return Error("--listen " + text::quoted(given) + ": " + why, "",
                     "give PORT, ADDRESS:PORT or [IPV6]:PORT with a numeric address, e.g. 127.0.0.1:5900 "
                     "(port 0: any free one)");
    };
    ListenAddress address;
    std::string_view host, port = text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw bad("an IPv6 address in brackets needs :PORT after it");
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        address.ipv6 = true;
    } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) throw bad("write an IPv6 address in brackets: [ADDRESS]:PORT");
        if (host.empty()) throw bad("no address before ':' (all addresses is 0.0.0.0:PORT)");
    }
    auto number = parse_port(port);
    if (!number) throw bad("the port is not a number from 0 to 65535");
    address.port = *number;
    if (host.empty()) return address;
    if (host == "localhost") return address;
    std::string h(host);
    unsigned char buffer[16];
    if (::inet_pton(address.ipv6 ? AF_INET6 : AF_INET, h.c_str(), buffer) != 1)
        throw bad(address.ipv6 ? "not a numeric IPv6 address" : "not a numeric IPv4 address (names are not resolved)");
    address.host = h;
    return address;
}

bool is_loopback(const ListenAddress& address) {
    if (address.ipv6) return address.host == "::1" || address.host == "0:0:0:0:0:0:0:1";
    return text::starts_with(address.host, "127.");
}

std::string to_string(const ListenAddress& address) {
    std::string host = address.ipv6 ? "[" + address.host + "]" : address.host;
    return host + ":" + std::to_string(address.port);
}

std::string exposed_warning(const ListenAddress& address, const std::string& vm) {
    return "kubevirt-vm-to-pod: warning: " + to_string(address) +
           " is reachable from other hosts: whoever connects sees and controls VM " + vm +
           "'s screen and keyboard, with no password (KubeVirt's VNC socket has none); listen on 127.0.0.1 and "
           "reach it through ssh -L instead\n";
}

std::size_t distinct_colours(const Image& image, std::size_t limit) {
    std::unordered_set<std::uint32_t> seen;
    for (std::size_t i = 0; i + 2 < image.rgb.size() && seen.size() < limit; i += 3)
        seen.insert((std::uint32_t{image.rgb[i]} << 16) | (std::uint32_t{image.rgb[i + 1]} << 8) | image.rgb[i + 2]);
    return seen.size();
}

// --- the RFB client -----------------------------------------------------------

std::string ScreenshotClient::receive(std::string_view bytes) {
    if (state_ == State::done) return {};
    in_.append(bytes);
    std::string out;
    while (state_ != State::done && step(out)) {
    }
    // Keep the buffer small: drop what was consumed.
    if (at_ > 0) {
        in_.erase(0, at_);
        at_ = 0;
    }
    return out;
}

bool ScreenshotClient::step(std::string& out) {
    const std::size_t have = in_.size() - at_;
    switch (state_) {
    case State::version: {
        if (have < 12) return false;
        std::string version = in_.substr(at_, 12);
        at_ += 12;
        unsigned major = 0, minor = 0;
        auto is_digits = [&](std::size_t from) {
            for (std::size_t i = from; i < from + 3; ++i)
                if (version[i] < '0' || version[i] > '9') return false;
            return true;
        };
        if (version.compare(0, 4, "RFB ") != 0 || version[7] != '.' || version[11] != '\n' || !is_digits(4) ||
            !is_digits(8))
            throw Error("did not speak RFB: it began with " + text::quoted(printable(version)), kServer,
                        "is the socket a VNC display? (it should be QEMU's virt-vnc)");
        major = static_cast<unsigned>(std::stoi(version.substr(4, 3)));
        minor = static_cast<unsigned>(std::stoi(version.substr(8, 3)));
        if (major != 3 || minor < 3)
            throw Error("speaks RFB " + std::to_string(major) + "." + std::to_string(minor) +
                            ", which this client does not (3.3 to 3.8)",
                        kServer, "use a VNC viewer through kubevirt-vm-to-pod vnc instead");
        minor_ = minor >= 8 ? 8 : minor == 7 ? 7 : 3;  // 3.4-3.6 are 3.3 (RFC 6143, 7.1.1)
        out += "RFB 003.00" + std::to_string(minor_) + "\n";
        state_ = minor_ == 3 ? State::security_type_33 : State::security_types;
        return true;
    }
    case State::security_types: {
        if (have < 1) return false;
        std::size_t count = static_cast<std::uint8_t>(in_[at_]);
        if (count == 0) {
            ++at_;
            failure_what_ = "refused the connection";
            state_ = State::failure_reason;
            return true;
        }
        if (have < 1 + count) return false;
        bool none = false;
        std::string offered;
        for (std::size_t i = 0; i < count; ++i) {
            int type = static_cast<std::uint8_t>(in_[at_ + 1 + i]);
            none = none || type == 1;
            offered += (offered.empty() ? "" : ", ") + std::to_string(type);
        }
        at_ += 1 + count;
        if (!none)
            throw Error("asks for authentication (security types " + offered + "; 2 is a VNC password)", kServer,
                        "KubeVirt's VNC socket has none: is this another VNC server? use a viewer with the password");
        out += '\x01';
        state_ = minor_ == 8 ? State::security_result : State::server_init;
        if (state_ == State::server_init) out += '\x01';  // ClientInit, shared: other viewers stay
        return true;
    }
    case State::security_type_33: {
        if (have < 4) return false;
        std::uint32_t type = u32(in_, at_);
        at_ += 4;
        if (type == 0) {
            failure_what_ = "refused the connection";
            state_ = State::failure_reason;
            return true;
        }
        if (type != 1)
            throw Error("asks for authentication (security type " + std::to_string(type) + ")", kServer,
                        "KubeVirt's VNC socket has none: is this another VNC server?");
        out += '\x01';  // ClientInit, shared
        state_ = State::server_init;
        return true;
    }
    case State::security_result: {
        if (have < 4) return false;
        std::uint32_t result = u32(in_, at_);
        at_ += 4;
        if (result != 0) {
            failure_what_ = "refused the connection after the security handshake";
            state_ = State::failure_reason;
            return true;
        }
        out += '\x01';  // ClientInit, shared
        state_ = State::server_init;
        return true;
    }
    case State::failure_reason: {
        if (have < 4) return false;
        std::uint32_t length = u32(in_, at_);
        std::size_t shown = std::min<std::uint32_t>(length, 1024);
        if (have < 4 + shown) return false;
        throw Error(failure_what_ + ": " + text::quoted(printable(in_.substr(at_ + 4, shown))), kServer,
                    "is the VM's display in use exclusively by another viewer? close it and try again");
    }
    case State::server_init: {
        if (have < 24) return false;
        std::uint32_t name_length = u32(in_, at_ + 20);
        if (name_length > 65536) throw Error("sent a desktop name of " + std::to_string(name_length) + " bytes", kServer);
        if (have < 24 + name_length) return false;
        image_.width = u16(in_, at_);
        image_.height = u16(in_, at_ + 2);
        desktop_name_ = printable(in_.substr(at_ + 24, name_length));
        at_ += 24 + name_length;
        std::uint64_t pixels = std::uint64_t{image_.width} * image_.height;
        if (image_.width == 0 || image_.height == 0 || image_.width > kMaxSide || image_.height > kMaxSide ||
            pixels > kMaxPixels)
            throw Error("has a screen of " + std::to_string(image_.width) + "x" + std::to_string(image_.height) +
                            ", which this client does not take (1 to " + std::to_string(kMaxSide) + " a side)",
                        kServer);
        image_.rgb.assign(pixels * 3, 0);
        covered_.assign(pixels, 0);
        // SetPixelFormat: 32 bits per pixel, depth 24, little-endian, true
        // colour, 8 bits a channel at red 16, green 8, blue 0.
        out += std::string("\x00\x00\x00\x00", 4);
        out += std::string("\x20\x18\x00\x01", 4);
        put_u16(out, 255);
        put_u16(out, 255);
        put_u16(out, 255);
        out += std::string("\x10\x08\x00\x00\x00\x00", 6);
        // SetEncodings: Raw only.
        out += std::string("\x02\x00", 2);
        put_u16(out, 1);
        put_u32(out, 0);
        request_update(out);
        state_ = State::messages;
        return true;
    }
    case State::messages: return read_message(out);
    case State::done: return false;
    }
    return false;
}

void ScreenshotClient::request_update(std::string& out) {
    if (++requests_ > 20)
        throw Error("sent 20 updates without the whole screen (" + std::to_string(covered_count_) + " of " +
                        std::to_string(covered_.size()) + " pixels)",
                    kServer);
    out += std::string("\x03\x00", 2);  // FramebufferUpdateRequest, not incremental
    put_u16(out, 0);
    put_u16(out, 0);
    put_u16(out, static_cast<std::uint16_t>(image_.width));
    put_u16(out, static_cast<std::uint16_t>(image_.height));
}

void ScreenshotClient::finish_update(std::string& out) {
    in_update_ = false;
    if (covered_count_ == covered_.size()) state_ = State::done;
    else request_update(out);
}

bool ScreenshotClient::read_message(std::string& out) {
    const std::size_t have = in_.size() - at_;
    if (in_update_) {
        if (rects_left_ == 0) {
            finish_update(out);
            return true;
        }
        if (have < 12) return false;
        std::uint32_t x = u16(in_, at_), y = u16(in_, at_ + 2), w = u16(in_, at_ + 4), h = u16(in_, at_ + 6);
        auto encoding = static_cast<std::int32_t>(u32(in_, at_ + 8));
        if (encoding != 0)
            throw Error("sent a rectangle in encoding " + std::to_string(encoding) + ", not the Raw encoding asked for",
                        kServer);
        if (x + w > image_.width || y + h > image_.height)
            throw Error("sent a rectangle " + std::to_string(w) + "x" + std::to_string(h) + "+" + std::to_string(x) + "+" +
                            std::to_string(y) + " outside its " + std::to_string(image_.width) + "x" +
                            std::to_string(image_.height) + " screen",
                        kServer);
        std::size_t data = std::size_t{w} * h * 4;
        if (have < 12 + data) return false;
        std::size_t from = at_ + 12;
        for (std::uint32_t row = 0; row < h; ++row) {
            for (std::uint32_t col = 0; col < w; ++col) {
                std::size_t src = from + (std::size_t{row} * w + col) * 4;  // little-endian: B, G, R, X
                std::size_t pixel = std::size_t{y + row} * image_.width + x + col;
                image_.rgb[pixel * 3] = static_cast<std::uint8_t>(in_[src + 2]);
                image_.rgb[pixel * 3 + 1] = static_cast<std::uint8_t>(in_[src + 1]);
                image_.rgb[pixel * 3 + 2] = static_cast<std::uint8_t>(in_[src]);
                if (!covered_[pixel]) {
                    covered_[pixel] = 1;
                    ++covered_count_;
                }
            }
        }
        at_ += 12 + data;
        --rects_left_;
        return true;
    }
    if (have < 1) return false;
    int type = static_cast<std::uint8_t>(in_[at_]);
    switch (type) {
    case 0:  // FramebufferUpdate
        if (have < 4) return false;
        rects_left_ = u16(in_, at_ + 2);
        in_update_ = true;
        at_ += 4;
        return true;
    case 1: {  // SetColourMapEntries: not used in true colour; skipped
        if (have < 6) return false;
        std::size_t size = 6 + std::size_t{u16(in_, at_ + 4)} * 6;
        if (have < size) return false;
        at_ += size;
        return true;
    }
    case 2:  // Bell
        ++at_;
        return true;
    case 3: {  // ServerCutText: skipped
        if (have < 8) return false;
        std::uint32_t length = u32(in_, at_ + 4);
        if (length > 16 * 1024 * 1024) throw Error("sent " + std::to_string(length) + " bytes of clipboard text", kServer);
        if (have < 8 + length) return false;
        at_ += 8 + length;
        return true;
    }
    default:
        throw Error("sent message type " + std::to_string(type) + ", which a client that asked for Raw only does not expect",
                    kServer);
    }
}

}  // namespace kvpod::vnc
