// Configuration of one cache level's hardware prefetcher; plain data with defaults, checked by
// validate(). docs/prefetch.md describes the prefetchers and the timing of a prefetch.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>

namespace smp {

// kind "none" (the default at every level) leaves the cache exactly as without this struct.
// Prefetches never cross a 4 KiB page of physical addresses.
struct PrefetchConfig {
    std::string kind = "none";   // none | next_line | stride
    std::int64_t degree = 1;     // lines requested per trigger
    std::int64_t distance = 1;   // how far ahead the first of them is: in lines (next_line) or in
                                 // strides (stride)
    std::int64_t table = 16;     // stride: 4 KiB regions tracked at once (LRU)
    std::int64_t confidence = 2; // stride: repeats of the same stride in a region before it
                                 // prefetches (the stride is then seen confidence + 1 times)

    bool enabled() const { return kind != "none"; }

    void validate(const std::string& path) const {
        if (kind != "none" && kind != "next_line" && kind != "stride") {
            throw ConfigError(join(path, "kind"),
                              "must be one of none, next_line, stride, got '" + kind + "'");
        }
        require_range<std::int64_t>(join(path, "degree"), degree, 1, 64, "lines per trigger");
        require_range<std::int64_t>(join(path, "distance"), distance, 1, 64,
                                    "lines or strides ahead");
        require_range<std::int64_t>(join(path, "table"), table, 1, 1024, "regions tracked");
        require_range<std::int64_t>(join(path, "confidence"), confidence, 1, 16,
                                    "stride repeats before prefetching");
    }
};

// Every field by name, for JSON and the Python bindings (PrefetchConfig, const or not).
template <class C, class V> void visit_prefetch(C& c, V&& v) {
    v("kind", c.kind);
    v("degree", c.degree);
    v("distance", c.distance);
    v("table", c.table);
    v("confidence", c.confidence);
}

} // namespace smp
