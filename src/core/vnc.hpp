// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/serial_console.hpp"

/// The pure half of `kubevirt-vm-to-pod vnc VM` and `screenshot VM FILE`:
/// where the VM's VNC socket is, the address the relay listens on, and an
/// RFB (VNC) client that reads one whole screen, as bytes in and bytes out
/// (no sockets here; host/vnc_relay.hpp does the I/O).
///
/// KubeVirt's domain has a VNC display on a unix socket, QEMU listening, at
/// /var/run/kubevirt-private/<VMI uid>/virt-vnc (virtwrap/converter/compute/
/// graphics.go), unless autoattachGraphicsDevice is false. No password or
/// TLS is set on it: virt-handler relays it as it is to whoever the API
/// server let through. Here the relay is the only gate.
namespace kvpod::vnc {

/// The socket's name in <console::kPrivateDir>/<uid>/.
inline constexpr std::string_view kSocketName = "virt-vnc";

/// <uid>/virt-vnc, or virt-vnc when the VMI has no uid.
std::string socket_relative(const console::ComputeContainer& container);

/// The Error for `problem` at the VNC socket `path` of VM `vm`; `detail` is
/// strerror's text, shown for `other`.
Error socket_error(console::SocketProblem problem, const std::string& path, const std::string& vm,
                   const std::string& detail);

/// Where the relay listens: a numeric address and a port (0: any free one).
struct ListenAddress {
    std::string host = "127.0.0.1";  ///< numeric IPv4 or IPv6, no brackets
    std::uint16_t port = 0;
    bool ipv6 = false;
};

/// Reads --listen: "PORT", "ADDR:PORT", "[IPV6]:PORT" or "localhost:PORT",
/// the address numeric (a name would need a resolver, and a relay that
/// listens on whatever a name resolves to is not what its user checked).
/// An Error naming the argument otherwise.
ListenAddress parse_listen(std::string_view text);

/// Whether `address` is 127.0.0.0/8 or ::1: reachable from this host only.
bool is_loopback(const ListenAddress& address);

/// "127.0.0.1:5900", "[::1]:5900".
std::string to_string(const ListenAddress& address);

/// The warning for an address other hosts can reach.
std::string exposed_warning(const ListenAddress& address, const std::string& vm);

/// An image, 8-bit RGB, rows top to bottom.
struct Image {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::vector<std::uint8_t> rgb;  ///< width * height * 3 bytes
};

/// Number of distinct colours in `image`, counting up to `limit`.
std::size_t distinct_colours(const Image& image, std::size_t limit);

/// The largest screen the client accepts (QEMU's VNC server tops out at 5120x2560).
inline constexpr std::uint32_t kMaxSide = 16384;
inline constexpr std::uint64_t kMaxPixels = 64ull * 1024 * 1024;

/// An RFB 3.3/3.7/3.8 client (RFC 6143) that asks for the whole screen,
/// shared (other viewers stay connected), in 32-bit true colour with the
/// Raw encoding, and keeps what the server sends until every pixel came.
/// Security type None only: KubeVirt's socket has no password.
class ScreenshotClient {
public:
    /// Takes bytes the server sent; returns the bytes to send back (may be
    /// empty). Throws an Error (where: "VNC server") when the server says
    /// something this client cannot follow, refuses it, or asks for a password.
    std::string receive(std::string_view bytes);

    /// True once every pixel of the screen has come.
    bool done() const { return state_ == State::done; }
    const Image& image() const { return image_; }
    const std::string& desktop_name() const { return desktop_name_; }
    /// How many update requests were sent (a server may send a screen in several updates).
    int requests() const { return requests_; }

private:
    enum class State { version, security_types, security_type_33, security_result, failure_reason, server_init, messages, done };

    /// Consumes one step from buffered input; false when more bytes are needed.
    bool step(std::string& out);
    bool read_message(std::string& out);
    void request_update(std::string& out);
    void finish_update(std::string& out);

    State state_ = State::version;
    int minor_ = 8;  ///< the protocol minor version agreed: 3, 7 or 8
    std::string in_;
    std::size_t at_ = 0;  ///< consumed bytes of in_
    Image image_;
    std::vector<std::uint8_t> covered_;
    std::uint64_t covered_count_ = 0;
    std::string desktop_name_;
    std::string failure_what_;
    int requests_ = 0;
    // An update in progress: rectangles left, and the rectangle being read.
    std::uint32_t rects_left_ = 0;
    bool in_update_ = false;
};

}  // namespace kvpod::vnc
