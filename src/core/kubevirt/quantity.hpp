// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kvpod::kubevirt {

// GCC and Clang both provide 128-bit integers; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Int128;

/// Kubernetes' resource.Quantity (k8s.io/apimachinery pkg/api/resource):
/// an exact decimal value with the format it prints in. Values are kept as
/// a 128-bit integer count of nano-units, enough for anything a VM spec
/// holds (up to about 1.7e20), and printed in Kubernetes' canonical form.
class Quantity {
public:
    enum class Format { BinarySI, DecimalSI, DecimalExponent };

    Quantity() = default;

    /// Parses "128Mi", "1.5", "100m", "1e3", "2G"... An Error on anything else.
    static Quantity parse(std::string_view text);
    static std::optional<Quantity> try_parse(std::string_view text);

    /// A YAML/JSON value: a string, or a number (Go unmarshals both).
    static Quantity from_json(const nlohmann::json& value, std::string_view where);

    /// `value` units (bytes, cores...) in `format`.
    static Quantity of(std::int64_t value, Format format);
    /// `value` × 10^`exponent` in `format` (resource.NewScaledQuantity).
    static Quantity scaled(std::int64_t value, int exponent, Format format = Format::DecimalSI);
    static Quantity milli(std::int64_t millis, Format format = Format::DecimalSI);

    /// Rounded up to a whole unit (Quantity.Value()).
    std::int64_t value() const;
    /// Rounded up to thousandths (Quantity.MilliValue()).
    std::int64_t milli_value() const;
    /// Rounded up to units of 10^`exponent` (Quantity.ScaledValue()).
    std::int64_t scaled_value(int exponent) const;

    Format format() const { return format_; }
    void set_format(Format format) { format_ = format; }
    bool is_zero() const { return nanos_ == 0; }

    /// Quantity.Add / Sub: the receiver keeps its format, unless it is zero
    /// and then takes the operand's.
    Quantity& add(const Quantity& other);
    Quantity& sub(const Quantity& other);

    /// Canonical text ("405760Ki", "100m", "1100m", "1305018368").
    std::string str() const;

    std::strong_ordering operator<=>(const Quantity& other) const { return nanos_ <=> other.nanos_; }
    bool operator==(const Quantity& other) const { return nanos_ == other.nanos_; }

private:
    Int128 nanos_ = 0;
    Format format_ = Format::DecimalSI;
};

}  // namespace kvpod::kubevirt
