// Stats are plain uint64 counters owned by their component and registered once by dotted name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace smp {

using Counter = std::uint64_t;

// Name -> counter registry, filled at elaboration; read (never written) when stats are dumped.
class StatsRegistry {
public:
    void add(const std::string& name, const Counter* counter) { m_entries.emplace_back(name, counter); }

    // Snapshot of all counters, sorted by name (deterministic output).
    std::map<std::string, Counter> snapshot() const {
        std::map<std::string, Counter> out;
        for (const auto& [name, ptr] : m_entries) out[name] = *ptr;
        return out;
    }

private:
    std::vector<std::pair<std::string, const Counter*>> m_entries;
};

} // namespace smp
