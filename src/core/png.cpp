// SPDX-License-Identifier: Apache-2.0
#include "core/png.hpp"

#include <zlib.h>

#include <array>
#include <cstdlib>

namespace kvpod::png {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v >> 24);
    out += static_cast<char>((v >> 16) & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
    out += static_cast<char>(v & 0xff);
}

void chunk(std::string& out, const char (&type)[5], const std::string& data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    std::string body = std::string(type, 4) + data;
    out += body;
    put_u32(out, static_cast<std::uint32_t>(
                     ::crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

std::uint8_t paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
    if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(a);
    return static_cast<std::uint8_t>(pb <= pc ? b : c);
}

/// The filtered scanlines, each led by its filter type byte.
std::string filtered(const vnc::Image& image) {
    const std::size_t stride = std::size_t{image.width} * 3;
    std::string out;
    out.reserve((stride + 1) * image.height);
    std::array<std::string, 5> candidates;
    const std::vector<std::uint8_t> zero(stride, 0);
    for (std::uint32_t y = 0; y < image.height; ++y) {
        const std::uint8_t* row = image.rgb.data() + y * stride;
        const std::uint8_t* up = y == 0 ? zero.data() : row - stride;
        std::size_t best = 0;
        std::uint64_t best_sum = UINT64_MAX;
        for (int f = 0; f < 5; ++f) {
            std::string& line = candidates[static_cast<std::size_t>(f)];
            line.assign(stride + 1, '\0');
            line[0] = static_cast<char>(f);
            std::uint64_t sum = 0;
            for (std::size_t i = 0; i < stride; ++i) {
                int a = i >= 3 ? row[i - 3] : 0, b = up[i], c = i >= 3 ? up[i - 3] : 0;
                int predictor = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : paeth(a, b, c);
                auto value = static_cast<std::uint8_t>(row[i] - predictor);
                line[i + 1] = static_cast<char>(value);
                sum += value < 128 ? value : 256 - value;
            }
            if (sum < best_sum) {
                best_sum = sum;
                best = static_cast<std::size_t>(f);
            }
        }
        out += candidates[best];
    }
    return out;
}

}  // namespace

std::string encode(const vnc::Image& image) {
    if (image.width == 0 || image.height == 0 || image.rgb.size() != std::size_t{image.width} * image.height * 3)
        throw Error("cannot encode an image of " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                    " with " + std::to_string(image.rgb.size()) + " bytes of pixels", "PNG");
    std::string raw = filtered(image);
    uLongf size = ::compressBound(static_cast<uLong>(raw.size()));
    std::string compressed(size, '\0');
    int rc = ::compress2(reinterpret_cast<Bytef*>(compressed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                         static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
    if (rc != Z_OK) throw Error("zlib could not compress the image (error " + std::to_string(rc) + ")", "PNG");
    compressed.resize(size);

    std::string out("\x89PNG\r\n\x1a\n", 8);
    std::string header;
    put_u32(header, image.width);
    put_u32(header, image.height);
    header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, adaptive filters, not interlaced
    chunk(out, "IHDR", header);
    chunk(out, "IDAT", compressed);
    chunk(out, "IEND", "");
    return out;
}

}  // namespace kvpod::png
