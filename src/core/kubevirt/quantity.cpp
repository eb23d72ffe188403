// SPDX-License-Identifier: Apache-2.0
#include "core/kubevirt/quantity.hpp"

#include <array>
#include <cctype>
#include <limits>

#include "core/error.hpp"
#include "core/text.hpp"

namespace kvpod::kubevirt {
namespace {

using i128 = Int128;

constexpr i128 kNano = 1'000'000'000;
// Keeps every intermediate product inside 128 bits with room to spare.
constexpr i128 kMaxNanos = static_cast<i128>(1) << 120;

i128 pow10(int n) {
    i128 r = 1;
    while (n-- > 0) r *= 10;
    return r;
}

std::string to_string(i128 v) {
    if (v == 0) return "0";
    bool negative = v < 0;
    if (negative) v = -v;
    std::string digits;
    while (v > 0) {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    }
    return negative ? "-" + digits : digits;
}

/// Division rounding towards +infinity, as Quantity's Value() rounds up.
i128 ceil_div(i128 a, i128 b) {
    i128 q = a / b;
    if (a % b != 0 && ((a > 0) == (b > 0))) ++q;
    return q;
}

std::int64_t clamp64(i128 v) {
    if (v > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
    if (v < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(v);
}

struct Suffix {
    Quantity::Format format;
    int base;      ///< 2 or 10
    int exponent;  ///< power of `base`
};

std::optional<Suffix> parse_suffix(std::string_view s) {
    static constexpr std::array<std::pair<std::string_view, int>, 6> binary = {
        {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
    static constexpr std::array<std::pair<std::string_view, int>, 10> decimal = {
        {{"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}}};
    for (auto [name, exp] : binary)
        if (s == name) return Suffix{Quantity::Format::BinarySI, 2, exp};
    for (auto [name, exp] : decimal)
        if (s == name) return Suffix{Quantity::Format::DecimalSI, 10, exp};
    if (!s.empty() && (s[0] == 'e' || s[0] == 'E')) {
        std::string_view digits = s.substr(1);
        bool negative = false;
        if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
            negative = digits[0] == '-';
            digits.remove_prefix(1);
        }
        auto n = text::parse_u64(digits);
        if (!n || *n > 30) return std::nullopt;
        return Suffix{Quantity::Format::DecimalExponent, 10, negative ? -static_cast<int>(*n) : static_cast<int>(*n)};
    }
    return std::nullopt;
}

const char* decimal_suffix(int exponent) {
    switch (exponent) {
    case -9: return "n";
    case -6: return "u";
    case -3: return "m";
    case 0: return "";
    case 3: return "k";
    case 6: return "M";
    case 9: return "G";
    case 12: return "T";
    case 15: return "P";
    case 18: return "E";
    default: return nullptr;
    }
}

}  // namespace

std::optional<Quantity> Quantity::try_parse(std::string_view text) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    std::size_t i = 0;
    bool negative = false;
    if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
    i128 mantissa = 0;
    int fraction_digits = 0;
    bool any_digit = false, in_fraction = false;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '.' && !in_fraction) {
            in_fraction = true;
            continue;
        }
        if (!std::isdigit(static_cast<unsigned char>(c))) break;
        any_digit = true;
        if (mantissa > kMaxNanos) return std::nullopt;
        mantissa = mantissa * 10 + (c - '0');
        if (in_fraction) ++fraction_digits;
    }
    if (!any_digit) return std::nullopt;
    auto suffix = parse_suffix(text.substr(i));
    if (!suffix) return std::nullopt;

    // value = mantissa × 10^-fraction_digits × base^exponent, kept in nanos and
    // rounded up past nano precision as Kubernetes does.
    i128 numerator = mantissa;
    i128 denominator = pow10(fraction_digits);
    if (suffix->base == 2) {
        for (int k = 0; k < suffix->exponent; ++k) {
            numerator *= 2;
            if (numerator > kMaxNanos) return std::nullopt;
        }
    } else if (suffix->exponent >= 0) {
        for (int k = 0; k < suffix->exponent; ++k) {
            numerator *= 10;
            if (numerator > kMaxNanos) return std::nullopt;
        }
    } else {
        denominator *= pow10(-suffix->exponent);
    }
    if (numerator > kMaxNanos / kNano) return std::nullopt;
    Quantity q;
    q.nanos_ = ceil_div(numerator * kNano, denominator);
    if (negative) q.nanos_ = -q.nanos_;
    q.format_ = suffix->format;
    return q;
}

Quantity Quantity::parse(std::string_view text) {
    auto q = try_parse(text);
    if (!q)
        throw Error("invalid quantity " + text::quoted(text),
                    {}, "write a number with an optional suffix, e.g. 128Mi, 2Gi, 500m, 1.5");
    return *q;
}

Quantity Quantity::from_json(const nlohmann::json& value, std::string_view where) {
    try {
        if (value.is_string()) return parse(value.get<std::string>());
        if (value.is_number_integer()) return parse(value.dump());
        if (value.is_number_float()) return parse(value.dump());
    } catch (Error& e) {
        throw std::move(e.at(std::string(where)));
    }
    throw Error("expected a quantity, found " + std::string(value.type_name()), std::string(where),
                "write a number with an optional suffix, e.g. 128Mi");
}

Quantity Quantity::of(std::int64_t value, Format format) {
    Quantity q;
    q.nanos_ = static_cast<i128>(value) * kNano;
    q.format_ = format;
    return q;
}

Quantity Quantity::scaled(std::int64_t value, int exponent, Format format) {
    Quantity q;
    q.nanos_ = exponent >= -9 ? static_cast<i128>(value) * pow10(exponent + 9) : ceil_div(value, pow10(-9 - exponent));
    q.format_ = format;
    return q;
}

Quantity Quantity::milli(std::int64_t millis, Format format) { return scaled(millis, -3, format); }

std::int64_t Quantity::value() const { return clamp64(ceil_div(nanos_, kNano)); }

std::int64_t Quantity::milli_value() const { return clamp64(ceil_div(nanos_, kNano / 1000)); }

std::int64_t Quantity::scaled_value(int exponent) const {
    if (exponent >= -9) return clamp64(ceil_div(nanos_, pow10(exponent + 9)));
    return clamp64(nanos_ * pow10(-9 - exponent));
}

Quantity& Quantity::add(const Quantity& other) {
    if (nanos_ == 0) format_ = other.format_;
    nanos_ += other.nanos_;
    return *this;
}

Quantity& Quantity::sub(const Quantity& other) {
    if (nanos_ == 0) format_ = other.format_;
    nanos_ -= other.nanos_;
    return *this;
}

std::string Quantity::str() const {
    if (nanos_ == 0) return "0";
    Format format = format_;
    bool whole = nanos_ % kNano == 0;
    if (format == Format::BinarySI && (!whole || (nanos_ > -1024 * kNano && nanos_ < 1024 * kNano)))
        format = Format::DecimalSI;

    if (format == Format::BinarySI) {
        static constexpr const char* suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        i128 v = nanos_ / kNano;
        int k = 0;
        while (k < 6 && v % 1024 == 0) v /= 1024, ++k;
        return to_string(v) + suffixes[k];
    }
    // Strip trailing zeros into the exponent, then lower the exponent to a
    // multiple of three (apimachinery's AsCanonicalBytes).
    i128 mantissa = nanos_;
    int exponent = -9;
    while (mantissa % 10 == 0) mantissa /= 10, ++exponent;
    int rem = ((exponent % 3) + 3) % 3;
    for (int k = 0; k < rem; ++k) mantissa *= 10;
    exponent -= rem;
    if (format == Format::DecimalSI) {
        if (const char* s = decimal_suffix(exponent)) return to_string(mantissa) + s;
    }
    return exponent == 0 ? to_string(mantissa) : to_string(mantissa) + "e" + std::to_string(exponent);
}

}  // namespace kvpod::kubevirt
