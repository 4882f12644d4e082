// Configuration of the per-migration measurement; plain data with defaults, checked by validate().
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>

namespace smp {

struct MeasureConfig {
    bool ghost = true;             // attribute cold misses to each migration with a ghost cache
    std::int64_t window = 0;       // cycles a ghost follows its task at most (0 = until it has no
                                   // live lines, the task migrates again or exits)
    // Counterfactual run (set by smpsim.run(counterfactual=True), not by hand): the migration with
    // this index is replaced by a same-CPU resumption at cycle cf_resume, and the task's user stall
    // cycles over its next cf_accesses (the real run's ghost window) and cf_stay_accesses (its
    // stay on the destination) user accesses are reported.
    std::int64_t cf_migration = -1;
    std::int64_t cf_resume = 0;
    std::int64_t cf_accesses = 0;
    std::int64_t cf_stay_accesses = 0;

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "window"), window, 0, std::int64_t(1) << 50,
                                    "cycles, 0 = until the ghost has no live lines");
        require_range<std::int64_t>(join(path, "cf_migration"), cf_migration, -1,
                                    std::int64_t(1) << 40);
        require_range<std::int64_t>(join(path, "cf_resume"), cf_resume, 0, std::int64_t(1) << 50);
        require_range<std::int64_t>(join(path, "cf_accesses"), cf_accesses, 0,
                                    std::int64_t(1) << 50);
        require_range<std::int64_t>(join(path, "cf_stay_accesses"), cf_stay_accesses, 0,
                                    std::int64_t(1) << 50);
    }
};

// Every field by name, for JSON and the Python bindings (MeasureConfig, const or not).
template <class C, class V> void visit_measure(C& c, V&& v) {
    v("ghost", c.ghost);
    v("window", c.window);
    v("cf_migration", c.cf_migration);
    v("cf_resume", c.cf_resume);
    v("cf_accesses", c.cf_accesses);
    v("cf_stay_accesses", c.cf_stay_accesses);
}

} // namespace smp
