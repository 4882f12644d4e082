// Configuration of a core's TLB; plain data with defaults, checked by validate().
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>

namespace smp {

// One TLB per CPU (hardware thread) of 4 KiB pages, shared by data accesses and instruction
// fetches; a miss walks the task's 4-level page table through the CPU's data caches.
// Defaults: the Nehalem L1 DTLB, 64 entries, 4-way (Intel 64 and IA-32 Architectures Optimization
// Reference Manual, Nehalem TLB parameters). miss_cycles is an assumption: the walker's start-up
// and the refill, taken as the manual's 7-cycle cost of a DTLB miss that hits the second level.
struct TlbConfig {
    bool enabled = true;           // False: the idealised machine (no translation cost)
    std::int64_t entries = 64;
    std::int64_t ways = 4;         // entries == ways: fully associative
    std::int64_t walk_levels = 4;  // page-table levels a walk reads, the lowest ones (4: PML4E,
                                   // PDPTE, PDE, PTE; fewer: the upper levels sit in
                                   // paging-structure caches)
    std::int64_t miss_cycles = 7;  // fixed cycles of a miss on top of the walk's reads

    std::int64_t sets() const { return entries / ways; }

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "entries"), entries, 1, 65536);
        require_range<std::int64_t>(join(path, "ways"), ways, 1, entries,
                                    "1 to entries, " + to_text(entries));
        if (entries % ways != 0) {
            throw ConfigError(join(path, "ways"), "must divide entries (" + to_text(entries) +
                                                      "), got " + to_text(ways));
        }
        require_range<std::int64_t>(join(path, "walk_levels"), walk_levels, 1, 4,
                                    "page-table levels read by a walk");
        require_range<std::int64_t>(join(path, "miss_cycles"), miss_cycles, 0, 100000);
    }
};

// Every field by name, for JSON and the Python bindings (TlbConfig, const or not).
template <class C, class V> void visit_tlb(C& c, V&& v) {
    v("enabled", c.enabled);
    v("entries", c.entries);
    v("ways", c.ways);
    v("walk_levels", c.walk_levels);
    v("miss_cycles", c.miss_cycles);
}

} // namespace smp
