// Parsing of human-readable sizes ("32KiB", "8MiB", "64") shared by JSON loading and Python.
#pragma once

#include "models/common/config_error.hpp"

#include <cctype>
#include <cstdint>
#include <climits>
#include <string>

namespace smp {

// Returns bytes. Accepts plain integers and B, KiB, MiB, GiB (also KB/MB/GB = powers of 1024, k/K/M/G).
inline std::int64_t parse_size(const std::string& field, const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 15) {
        throw ConfigError(field, "expected a size like 32KiB, 8MiB or a byte count, got '" + text + "'");
    }
    std::int64_t value = std::stoll(text.substr(start, i - start));
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t end = text.size();
    while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    std::string unit = text.substr(i, end - i);
    std::int64_t mul = 1;
    if (unit.empty() || unit == "B") mul = 1;
    else if (unit == "KiB" || unit == "KB" || unit == "K" || unit == "k") mul = 1024;
    else if (unit == "MiB" || unit == "MB" || unit == "M") mul = 1024 * 1024;
    else if (unit == "GiB" || unit == "GB" || unit == "G") mul = 1024LL * 1024 * 1024;
    else throw ConfigError(field, "unknown size unit '" + unit + "' (use B, KiB, MiB, GiB)");
    if (value > INT64_MAX / mul) throw ConfigError(field, "size too large: '" + text + "'");
    return value * mul;
}

} // namespace smp
