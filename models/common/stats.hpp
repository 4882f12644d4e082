// Stats are plain uint64 counters owned by their component and registered once by dotted name.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace smp {

using Counter = std::uint64_t;

// Name -> counter registry with a one-line description of each counter, filled at elaboration;
// read (never written) when stats are dumped.
class StatsRegistry {
public:
    void add(const std::string& name, const Counter* counter, std::string description) {
        m_entries.push_back({name, counter, std::move(description)});
    }

    // Snapshot of all counters, sorted by name (deterministic output).
    std::map<std::string, Counter> snapshot() const {
        std::map<std::string, Counter> out;
        for (const Entry& e : m_entries) out[e.name] = *e.counter;
        return out;
    }
    // Name -> description.
    std::map<std::string, std::string> descriptions() const {
        std::map<std::string, std::string> out;
        for (const Entry& e : m_entries) out[e.name] = e.description;
        return out;
    }

private:
    struct Entry {
        std::string name;
        const Counter* counter;
        std::string description;
    };
    std::vector<Entry> m_entries;
};

} // namespace smp
