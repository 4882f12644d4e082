// Configuration of the DRAM behind one memory controller (memory.model = "dram"); times in ns.
#pragma once

#include "models/common/config_error.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace smp {

// The fields of a DRAM address mapping, most significant first: "row:rank:bank:channel:column"
// splits a physical line address into those fields from the right (column lowest). Returns the
// names in order; throws ConfigError(field) unless every name is one of row, rank, bank, channel,
// column, none repeats, row comes first and bank and column are present.
inline std::vector<std::string> parse_dram_mapping(const std::string& field,
                                                   const std::string& text) {
    std::vector<std::string> names;
    std::string cur;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ':') {
            names.push_back(cur);
            cur.clear();
        } else {
            cur += text[i];
        }
    }
    const char* const known[] = {"row", "rank", "bank", "channel", "column"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        bool ok = false;
        for (const char* k : known)
            ok = ok || names[i] == k;
        if (!ok) {
            throw ConfigError(field, "unknown field '" + names[i] + "' in '" + text +
                                         "' (fields: row, rank, bank, channel, column)");
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (names[j] == names[i]) {
                throw ConfigError(field, "field '" + names[i] + "' twice in '" + text + "'");
            }
        }
    }
    if (names.front() != "row") {
        throw ConfigError(field,
                          "must start with 'row' (the most significant bits), got '" + text + "'");
    }
    for (const char* need : {"bank", "column"}) {
        bool has = false;
        for (const auto& n : names)
            has = has || n == need;
        if (!has) {
            throw ConfigError(field,
                              "must contain '" + std::string(need) + "', got '" + text + "'");
        }
    }
    return names;
}

// Banks with row buffers behind each controller, per channel: ranks x banks. Defaults: one
// DDR3-1600 11-11-11 (speed bin DDR3-1600K) 64-bit channel, JEDEC JESD79-3F: tCK 1.25 ns,
// tRCD = tRP = 13.75 ns, CL 11 (13.75 ns), tRAS min 35 ns, CWL 8 (10 ns), tWR 15 ns, 8 banks;
// a BL8 burst of 64 bytes at 1600 MT/s x 8 bytes = 12.8 GB/s takes 5 ns. A rank's row (page):
// 1 KiB per x8 1 Gb device (JESD79-3F addressing table) x 8 devices = 8 KiB [ASSUMED: x8
// devices]. controller_ns [ASSUMED]: chosen so that an empty-bank read (52.5 ns) and a row
// conflict (66.25 ns) bracket the fixed model's 60 ns; a row hit is 38.75 ns.
struct DramConfig {
    std::int64_t channels = 1;        // per controller; each has its own banks and data bus
    std::int64_t ranks = 1;           // per channel; ranks share the channel's data bus
    std::int64_t banks = 8;           // per rank
    std::int64_t row_bytes = 8192;    // bytes of one row buffer (a page across the rank)
    double trcd_ns = 13.75;           // ACT to READ/WRITE
    double tcl_ns = 13.75;            // READ to first data (CAS latency)
    double trp_ns = 13.75;            // PRE to ACT
    double tras_ns = 35.0;            // ACT to PRE at the earliest
    double tcwl_ns = 10.0;            // WRITE to first data (CAS write latency)
    double twr_ns = 15.0;             // end of write data to PRE (write recovery)
    double channel_gbps = 12.8;       // per channel data bus: a line's burst = line / this
    double controller_ns = 20.0;      // front end: queue, scheduling, PHY [ASSUMED]
    std::string page_policy = "open"; // open (row stays open) | closed (precharge after access)
    std::string mapping = "row:rank:bank:channel:column"; // fields, most significant first

    void validate(const std::string& path) const {
        require_range<std::int64_t>(join(path, "channels"), channels, 1, 64);
        require_pow2(join(path, "channels"), channels);
        require_range<std::int64_t>(join(path, "ranks"), ranks, 1, 16);
        require_pow2(join(path, "ranks"), ranks);
        require_range<std::int64_t>(join(path, "banks"), banks, 1, 256);
        require_pow2(join(path, "banks"), banks);
        require_range<std::int64_t>(join(path, "row_bytes"), row_bytes, 64, 1 << 20);
        require_pow2(join(path, "row_bytes"), row_bytes);
        require_range(join(path, "trcd_ns"), trcd_ns, 0.0, 1e4);
        require_range(join(path, "tcl_ns"), tcl_ns, 0.0, 1e4);
        require_range(join(path, "trp_ns"), trp_ns, 0.0, 1e4);
        require_range(join(path, "tras_ns"), tras_ns, 0.0, 1e4);
        require_range(join(path, "tcwl_ns"), tcwl_ns, 0.0, 1e4);
        require_range(join(path, "twr_ns"), twr_ns, 0.0, 1e4);
        require_range(join(path, "channel_gbps"), channel_gbps, 0.001, 1e5);
        require_range(join(path, "controller_ns"), controller_ns, 0.0, 1e6);
        if (page_policy != "open" && page_policy != "closed") {
            throw ConfigError(join(path, "page_policy"),
                              "must be 'open' or 'closed', got '" + page_policy + "'");
        }
        const auto fields = parse_dram_mapping(join(path, "mapping"), mapping);
        const std::pair<const char*, std::int64_t> counts[] = {{"channel", channels},
                                                               {"rank", ranks}};
        for (const auto& [name, n] : counts) {
            bool has = false;
            for (const auto& f : fields)
                has = has || f == name;
            if (!has && n != 1) {
                throw ConfigError(join(path, "mapping"),
                                  "must contain '" + std::string(name) + "' when " + name +
                                      "s is " + to_text(n) + ", got '" + mapping + "'");
            }
        }
    }
};

// Every field by name, for JSON and the Python bindings (DramConfig, const or not).
template <class C, class V> void visit_dram(C& c, V&& v) {
    v("channels", c.channels);
    v("ranks", c.ranks);
    v("banks", c.banks);
    v("row_bytes", c.row_bytes);
    v("trcd_ns", c.trcd_ns);
    v("tcl_ns", c.tcl_ns);
    v("trp_ns", c.trp_ns);
    v("tras_ns", c.tras_ns);
    v("tcwl_ns", c.tcwl_ns);
    v("twr_ns", c.twr_ns);
    v("channel_gbps", c.channel_gbps);
    v("controller_ns", c.controller_ns);
    v("page_policy", c.page_policy);
    v("mapping", c.mapping);
}

} // namespace smp
