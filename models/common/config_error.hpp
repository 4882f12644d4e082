// Configuration errors: always name the dotted field and the allowed range (maps to Python ValueError).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace smp {

// Thrown by every validate(); std::invalid_argument becomes ValueError in Python.
class ConfigError : public std::invalid_argument {
public:
    ConfigError(const std::string& field, const std::string& what)
        : std::invalid_argument(field + ": " + what), m_field(field) {}
    const std::string& field() const { return m_field; }

private:
    std::string m_field;
};

// Joins a parent path and a field name: join("l2", "ways") == "l2.ways".
inline std::string join(const std::string& path, const std::string& field) {
    return path.empty() ? field : path + "." + field;
}

template <typename T> std::string to_text(const T& v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

template <typename T>
void require_range(const std::string& field, T value, T lo, T hi, const std::string& note = "") {
    if (!(value >= lo && value <= hi)) { // also rejects NaN
        throw ConfigError(field, "must be in [" + to_text(lo) + ", " + to_text(hi) + "]" +
                                     (note.empty() ? "" : " (" + note + ")") + ", got " +
                                     to_text(value));
    }
}

template <typename T> void require_min(const std::string& field, T value, T lo) {
    if (!(value >= lo)) {
        throw ConfigError(field, "must be >= " + to_text(lo) + ", got " + to_text(value));
    }
}

inline void require_pow2(const std::string& field, long long value) {
    if (value <= 0 || (value & (value - 1)) != 0) {
        throw ConfigError(field, "must be a power of two, got " + to_text(value));
    }
}

} // namespace smp
