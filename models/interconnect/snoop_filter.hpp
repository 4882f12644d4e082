// Snoop filter: per line, which agents may hold it. Plain C++, no SystemC.
#pragma once

#include "models/common/addr_map.hpp"
#include "models/common/mem_payload.hpp"

#include <cstdint>

namespace smp {

// Per line, a superset of the agents (up to 64) that may hold it, so that a snoop goes to those
// only. An agent joins when it fetches the line and leaves when a snoop finds the line gone or
// invalidates it; a silent eviction leaves a stale member, which costs a snoop that misses,
// never a missed copy. Off (or beyond 64 agents), every agent is snooped.
class SnoopFilter {
public:
    explicit SnoopFilter(bool on) : m_on(on) {}

    // Snoops `line` with cmd (snoop_agents: the or-ed answer in ext) at the agents [0, n) other
    // than `except` that may hold it, in index order; send(i) snoops agent i. Then `fetcher`
    // (if >= 0) joins; a probe changes nothing.
    template <typename Send>
    void snoop(Addr line, MemExt& ext, SnoopCmd cmd, int n, int except, int fetcher, Send send) {
        if (!m_on || n > 64) {
            snoop_each(ext, cmd, n, except, send);
            return;
        }
        const std::uint64_t* known = m_holders.find(line);
        std::uint64_t holders = known ? *known : 0;
        const bool invalidates = cmd == SnoopCmd::ReadExcl || cmd == SnoopCmd::Invalidate;
        snoop_agents(
            ext, cmd,
            [holders, except](auto visit) {
                for (std::uint64_t m = holders; m != 0; m &= m - 1) {
                    const int i = __builtin_ctzll(m);
                    if (i != except) visit(i);
                }
            },
            [&](int i) {
                send(i);
                if (!ext.snoop_hit || invalidates) holders &= ~(std::uint64_t(1) << i); // gone
            });
        if (cmd == SnoopCmd::Probe) return;
        if (fetcher >= 0) holders |= std::uint64_t(1) << fetcher;
        if (holders == 0) {
            m_holders.erase(line);
        } else {
            m_holders.set(line, holders);
        }
    }

private:
    bool m_on;
    AddrMap<std::uint64_t> m_holders; // line -> agents (bits)
};

} // namespace smp
