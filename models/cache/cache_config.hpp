// Configuration of one cache level; plain data with defaults, checked by validate().
#pragma once

#include "models/cache/prefetch_config.hpp"
#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>

namespace smp {

struct CacheConfig {
    bool enabled = true;
    std::int64_t size = 32 * 1024;     // bytes
    std::int64_t ways = 8;
    std::int64_t line = 64;            // bytes; the same at every level
    std::int64_t latency = 4;          // hit latency in core cycles (tag + data)
    std::int64_t mshrs = 8;            // outstanding misses the cache can track
    std::string replacement = "lru";   // lru | plru (tree pseudo-LRU) | random
    bool inclusive = true;             // evicting a line back-invalidates the caches above
    std::int64_t shared_by = 1;        // hardware threads per instance; 0 = one per socket
    PrefetchConfig prefetch;           // this level's hardware prefetcher (none by default)

    std::int64_t lines() const { return size / line; }
    std::int64_t sets() const { return lines() / ways; }

    // Checks this level alone; `path` is its dotted name ("l2").
    void validate(const std::string& path) const {
        if (!enabled) return;
        require_range<std::int64_t>(join(path, "line"), line, 8, 4096);
        require_pow2(join(path, "line"), line);
        require_range<std::int64_t>(join(path, "size"), size, line, std::int64_t(1) << 40,
                                    "at least one line");
        if (size % line != 0) {
            throw ConfigError(join(path, "size"), "must be a multiple of the line size (" +
                                                      to_text(line) + "), got " + to_text(size));
        }
        require_range<std::int64_t>(join(path, "ways"), ways, 1, lines(),
                                    "1 to the number of lines, " + to_text(lines()));
        if (lines() % ways != 0) {
            throw ConfigError(join(path, "ways"), "must divide the number of lines (" +
                                                      to_text(lines()) + "), got " + to_text(ways));
        }
        if (!is_pow2_value(sets())) {
            throw ConfigError(join(path, "size"),
                              "size / (ways * line) is the number of sets and must be a power of "
                              "two, got " + to_text(sets()) + " sets");
        }
        require_range<std::int64_t>(join(path, "latency"), latency, 0, 100000);
        require_range<std::int64_t>(join(path, "mshrs"), mshrs, 1, 1024);
        if (replacement != "lru" && replacement != "plru" && replacement != "random") {
            throw ConfigError(join(path, "replacement"),
                              "must be one of lru, plru, random, got '" + replacement + "'");
        }
        if (replacement == "plru" && !is_pow2_value(ways)) {
            throw ConfigError(join(path, "ways"),
                              "tree-PLRU needs a power-of-two number of ways, got " + to_text(ways));
        }
        require_range<std::int64_t>(join(path, "shared_by"), shared_by, 0, 4096);
        prefetch.validate(join(path, "prefetch"));
    }

private:
    static bool is_pow2_value(std::int64_t v) { return v > 0 && (v & (v - 1)) == 0; }
};

} // namespace smp
