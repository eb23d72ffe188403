// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "core/vnc.hpp"

/// PNG encoding of an RGB image (the screenshot), in memory. zlib does the
/// compression and the CRCs; the chunks around them are a few lines here.
namespace kvpod::png {

/// A complete PNG file: 8-bit RGB, not interlaced, each row filtered with the
/// filter (None, Sub, Up, Average, Paeth) whose output has the smallest sum
/// of absolute values, the heuristic libpng uses.
std::string encode(const vnc::Image& image);

}  // namespace kvpod::png
