// trace.json: the run as a Chrome / Perfetto trace (ui.perfetto.dev, chrome://tracing).
#pragma once

#include "models/ghost/ghost_stats.hpp"
#include "os/trace.hpp"
#include "platform/timeline.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace smp {

// One track per CPU with a slice per run of a task (idle and kernel threads included), IPIs as
// instants on the sender's and the receiver's track, each migration record i as a flow arrow
// (id i, category "migration") from src where the task left to dst where it first ran, and a
// counter track per CPU with its L1 miss rate and the share of accesses served beyond the L2.
// Timestamps are microseconds; every event also carries its cycle.
nlohmann::json chrome_trace(const Timeline& tl, const std::vector<os::MigrationEvent>& migrations,
                            const std::vector<MigrationCost>& costs, double freq_ghz, unsigned cpus,
                            const std::string& name);

} // namespace smp
