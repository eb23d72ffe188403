// SPDX-License-Identifier: Apache-2.0
// The pure half of vnc and screenshot: --listen, the RFB client against a
// scripted server (RFC 6143's bytes), and the PNG encoder, decoded back by
// libpng (the reference decoder, a test-only dependency).
#include <doctest/doctest.h>

#include <png.h>

#include <string>
#include <vector>

#include "core/png.hpp"
#include "core/vnc.hpp"
#include "test_support.hpp"

using kvpod::testing::error_of;
using namespace kvpod;

namespace {

std::string be16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }
std::string be32(unsigned v) { return be16(v >> 16) + be16(v & 0xffff); }

/// ServerInit for a WxH screen named "vm".
std::string server_init(unsigned w, unsigned h) {
    return be16(w) + be16(h) + std::string(16, '\x00') + be32(2) + "vm";
}

/// A Raw rectangle whose pixels are colour(x, y) as B, G, R, X.
std::string raw_rect(unsigned x, unsigned y, unsigned w, unsigned h) {
    std::string out = be16(x) + be16(y) + be16(w) + be16(h) + be32(0);
    for (unsigned row = y; row < y + h; ++row)
        for (unsigned col = x; col < x + w; ++col)
            out += std::string{static_cast<char>(col * 10), static_cast<char>(row * 20), static_cast<char>(100), '\x00'};
    return out;
}

std::string update(std::initializer_list<std::string> rects) {
    std::string out = std::string("\x00\x00", 2) + be16(static_cast<unsigned>(rects.size()));
    for (const auto& r : rects) out += r;
    return out;
}

}  // namespace

TEST_CASE("--listen: the forms it takes and the exact errors") {
    struct Row {
        const char* text;
        const char* host;
        unsigned port;
        bool loopback;
    };
    for (const Row& row : {Row{"5900", "127.0.0.1", 5900, true}, Row{"127.0.0.1:0", "127.0.0.1", 0, true},
                           Row{"localhost:5901", "127.0.0.1", 5901, true}, Row{"0.0.0.0:5900", "0.0.0.0", 5900, false},
                           Row{"[::1]:5900", "::1", 5900, true}, Row{"[::]:5900", "::", 5900, false},
                           Row{"192.168.1.5:65535", "192.168.1.5", 65535, false}}) {
        CAPTURE(row.text);
        auto a = vnc::parse_listen(row.text);
        CHECK(a.host == row.host);
        CHECK(a.port == row.port);
        CHECK(vnc::is_loopback(a) == row.loopback);
    }
    CHECK(vnc::to_string(vnc::parse_listen("[::1]:5900")) == "[::1]:5900");
    const std::string fix = "; give PORT, ADDRESS:PORT or [IPV6]:PORT with a numeric address, e.g. 127.0.0.1:5900 (port 0: any free one)";
    CHECK(error_of([] { vnc::parse_listen("vnc.example.com:5900"); }) ==
          "--listen 'vnc.example.com:5900': not a numeric IPv4 address (names are not resolved)" + fix);
    CHECK(error_of([] { vnc::parse_listen("127.0.0.1:65536"); }) ==
          "--listen '127.0.0.1:65536': the port is not a number from 0 to 65535" + fix);
    CHECK(error_of([] { vnc::parse_listen(":5900"); }) ==
          "--listen ':5900': no address before ':' (all addresses is 0.0.0.0:PORT)" + fix);
    CHECK(error_of([] { vnc::parse_listen("::1:5900"); }) ==
          "--listen '::1:5900': write an IPv6 address in brackets: [ADDRESS]:PORT" + fix);
    CHECK(vnc::exposed_warning(vnc::parse_listen("0.0.0.0:5900"), "vm1").find(
              "0.0.0.0:5900 is reachable from other hosts: whoever connects sees and controls VM vm1's screen") !=
          std::string::npos);
}

TEST_CASE("each way the VNC socket fails has its message (the serial console's, worded for VNC)") {
    using console::SocketProblem;
    const std::string path = "/var/lib/containers/storage/volumes/p/_data/6a1c/virt-vnc";
    struct Case {
        SocketProblem problem;
        std::string message;
    };
    const std::vector<Case> cases = {
        {SocketProblem::no_directory,
         path + ": the VM's private volume directory is gone; was the Pod removed? podman pod ps lists the Pods there are"},
        {SocketProblem::missing,
         path + ": no VNC socket; QEMU has not started yet: try again in a few seconds (podman logs "
                "virt-launcher-myvm-compute shows virt-launcher's progress); a VM with autoattachGraphicsDevice: false "
                "has no display"},
        {SocketProblem::not_socket,
         path + ": is not a socket (vnc follows no symbolic link in the VM's volume); restart the VM: podman pod "
                "restart virt-launcher-myvm"},
        {SocketProblem::refused,
         path + ": nothing accepts connections on the VNC socket (connection refused); QEMU has stopped: is the VM "
                "shutting down? podman logs virt-launcher-myvm-compute"},
        {SocketProblem::busy, path + ": the VNC socket accepts no more connections now; close a viewer and try again"},
        {SocketProblem::other,
         path + ": cannot connect to the VNC socket: Permission denied; run it as the user that runs the Pod (root for "
                "rootful Podman)"},
    };
    for (const auto& c : cases) {
        CAPTURE(static_cast<int>(c.problem));
        CHECK(vnc::socket_error(c.problem, path, "myvm", "Permission denied").message() == c.message);
    }
}

TEST_CASE("the RFB client: 3.8 handshake, shared, Raw, a screen sent in two updates, byte by byte") {
    vnc::ScreenshotClient client;
    std::string sent = client.receive("RFB 003.008\n");
    CHECK(sent == "RFB 003.008\n");
    sent = client.receive(std::string("\x02\x02\x01", 3));  // offers VNC auth and None
    CHECK(sent == std::string("\x01", 1));                  // None
    sent = client.receive(be32(0));                          // SecurityResult OK
    CHECK(sent == std::string("\x01", 1));                   // ClientInit, shared
    sent = client.receive(server_init(4, 3));
    // SetPixelFormat (20 bytes), SetEncodings Raw (8), FramebufferUpdateRequest for 4x3 (10).
    REQUIRE(sent.size() == 38);
    CHECK(sent.substr(0, 8) == std::string("\x00\x00\x00\x00\x20\x18\x00\x01", 8));
    CHECK(sent.substr(20, 8) == std::string("\x02\x00\x00\x01\x00\x00\x00\x00", 8));
    CHECK(sent.substr(28) == std::string("\x03\x00\x00\x00\x00\x00\x00\x04\x00\x03", 10));
    CHECK(client.desktop_name() == "vm");

    // Rows 0-1 first: not done, so a second request goes out.
    std::string first = update({raw_rect(0, 0, 4, 2)});
    for (char c : first.substr(0, first.size() - 1)) CHECK(client.receive(std::string(1, c)).empty());
    sent = client.receive(first.substr(first.size() - 1));
    CHECK(sent == std::string("\x03\x00\x00\x00\x00\x00\x00\x04\x00\x03", 10));
    CHECK_FALSE(client.done());
    // A bell between updates is skipped; then the last row.
    client.receive(std::string("\x02", 1) + update({raw_rect(0, 2, 4, 1)}));
    REQUIRE(client.done());
    const auto& image = client.image();
    CHECK(image.width == 4);
    CHECK(image.height == 3);
    // Pixel (3, 2): R 100, G 40, B 30.
    std::size_t at = (2 * 4 + 3) * 3;
    CHECK(image.rgb[at] == 100);
    CHECK(image.rgb[at + 1] == 40);
    CHECK(image.rgb[at + 2] == 30);
    CHECK(vnc::distinct_colours(image, 100) == 12);
    CHECK(client.requests() == 2);
}

TEST_CASE("the RFB client: 3.3 and 3.7 servers") {
    vnc::ScreenshotClient v33;
    CHECK(v33.receive("RFB 003.003\n") == "RFB 003.003\n");
    CHECK(v33.receive(be32(1)) == std::string("\x01", 1));
    v33.receive(server_init(1, 1));
    v33.receive(update({raw_rect(0, 0, 1, 1)}));
    CHECK(v33.done());

    vnc::ScreenshotClient v37;
    CHECK(v37.receive("RFB 003.007\n") == "RFB 003.007\n");
    CHECK(v37.receive(std::string("\x01\x01", 2)) == std::string("\x01\x01", 2));  // None, then ClientInit
}

TEST_CASE("the RFB client: what it refuses, exactly") {
    CHECK(error_of([] { vnc::ScreenshotClient().receive("HTTP/1.1 400"); }) ==
          "VNC server: did not speak RFB: it began with 'HTTP/1.1 400'; is the socket a VNC display? (it should be "
          "QEMU's virt-vnc)");
    CHECK(error_of([] {
              vnc::ScreenshotClient c;
              c.receive("RFB 003.008\n");
              c.receive(std::string("\x01\x02", 2));
          }) == "VNC server: asks for authentication (security types 2; 2 is a VNC password); KubeVirt's VNC socket "
                "has none: is this another VNC server? use a viewer with the password");
    CHECK(error_of([] {
              vnc::ScreenshotClient c;
              c.receive("RFB 003.008\n");
              c.receive(std::string("\x00", 1) + be32(4) + "busy");
          }) == "VNC server: refused the connection: 'busy'; is the VM's display in use exclusively by another "
                "viewer? close it and try again");
    CHECK(error_of([] {
              vnc::ScreenshotClient c;
              c.receive("RFB 003.003\n");
              c.receive(be32(1));
              c.receive(server_init(2, 2));
              c.receive(update({raw_rect(1, 1, 2, 2)}));
          }) == "VNC server: sent a rectangle 2x2+1+1 outside its 2x2 screen");
    CHECK(error_of([] {
              vnc::ScreenshotClient c;
              c.receive("RFB 003.003\n");
              c.receive(be32(1));
              c.receive(server_init(0, 2));
          }) == "VNC server: has a screen of 0x2, which this client does not take (1 to 16384 a side)");
}

TEST_CASE("PNG: libpng decodes what the encoder wrote, pixel for pixel") {
    for (auto [w, h] : {std::pair{1u, 1u}, std::pair{7u, 5u}, std::pair{720u, 400u}}) {
        CAPTURE(w);
        vnc::Image image;
        image.width = w;
        image.height = h;
        for (unsigned y = 0; y < h; ++y)
            for (unsigned x = 0; x < w; ++x)
                for (unsigned c = 0; c < 3; ++c)
                    image.rgb.push_back(static_cast<std::uint8_t>((x * 7 + y * 13 + c * 50 + (x * y) % 17) & 0xff));
        std::string file = png::encode(image);
        CHECK(file.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
        png_image decoded{};
        decoded.version = PNG_IMAGE_VERSION;
        REQUIRE(png_image_begin_read_from_memory(&decoded, file.data(), file.size()) != 0);
        decoded.format = PNG_FORMAT_RGB;
        CHECK(decoded.width == w);
        CHECK(decoded.height == h);
        std::vector<std::uint8_t> pixels(PNG_IMAGE_SIZE(decoded));
        REQUIRE(png_image_finish_read(&decoded, nullptr, pixels.data(), 0, nullptr) != 0);
        CHECK(pixels == image.rgb);
    }
    CHECK(error_of([] { png::encode(vnc::Image{}); }) == "PNG: cannot encode an image of 0x0 with 0 bytes of pixels");
}
