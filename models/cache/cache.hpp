// Cache module: orchestrates the tag array and the MESI function; all latencies in cycles.
#pragma once

#include "models/cache/cache_config.hpp"
#include "models/cache/cache_stats.hpp"
#include "models/cache/mesi.hpp"
#include "models/cache/mshr_file.hpp"
#include "models/cache/prefetch_marks.hpp"
#include "models/cache/prefetcher.hpp"
#include "models/cache/tag_array.hpp"
#include "models/common/clocked.hpp"
#include "models/common/mem_payload.hpp"

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

namespace smp {

enum class CacheLevel : std::uint8_t { L1, L2, Llc };

// A set-associative write-back, write-allocate cache. Requests arrive on cpu_side (from cores or
// upper caches), misses and writebacks leave on mem_side, snoops arrive on snoop_in and are
// forwarded to the caches above through snoop_out (which also carries back-invalidations).
class Cache final : public HitPath, public sc_core::sc_module {
public:
    tlm_utils::multi_passthrough_target_socket<Cache, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        cpu_side;
    tlm_utils::simple_initiator_socket<Cache> mem_side;
    tlm_utils::simple_target_socket<Cache> snoop_in;
    tlm_utils::multi_passthrough_initiator_socket<Cache, 32, tlm::tlm_base_protocol_types, 0,
                                                  sc_core::SC_ZERO_OR_MORE_BOUND>
        snoop_out;

    Cache(sc_core::sc_module_name name, const CacheConfig& cfg, CacheLevel level,
          const Clocked& clock, std::uint64_t seed);
    ~Cache() override {
        m_own.clear_extension(&m_own_ext);
        m_pf_payload.clear_extension(&m_pf_ext);
    }

    // Set when several cores' caches sit above this one (a cluster-shared cache): each request
    // then snoops the other upper caches, so this level keeps them coherent, as a bus would.
    void set_coherent_uppers(bool on) { m_coherent_uppers = on; }
    // The cache below mem_side, whose hit path a miss here tries first (the platform sets it;
    // null: none).
    void set_below(Cache* below) { m_below = below; }
    // HitPath: b_transport's hit, when no prefetcher and no cache above need to hear of it.
    // Defined in the class, so inline: GCC's larger limit for inline functions lets the
    // profile-guided build inline it into the core's access. Under the smaller limit for other
    // functions, the hinted lookup added elsewhere had tipped it out (stream a 14-15 % slower).
    bool try_hit(Addr paddr, bool store, MemExt& ext, sc_core::sc_time& delay) override {
        if (m_pf_on || m_coherent_uppers) return false;
        const Addr line = paddr >> m_line_bits;
        return hit_at(line, m_tags.find(line), store, ext, delay);
    }
    bool coherent_uppers() const { return m_coherent_uppers; }

    const CacheConfig& config() const { return m_cfg; }
    const TagArray& tags() const { return m_tags; }
    CacheLevel level() const { return m_level; }
    unsigned line_bits() const { return m_line_bits; }
    // State of a line (by line address) in this cache, I if absent.
    mesi::State state_of(Addr line) const;
    // Test-only fault: snoops that should invalidate a line leave it as it was (a broken MESI
    // transition, for the checker's tests). Off unless a test turns it on.
    void break_invalidation_for_test(bool on) { m_broken_invalidation = on; }
    // Whether `line` is here because a prefetch brought it and no request has used it yet.
    bool prefetched(Addr line) const;
    // Lines a prefetch brought in that are still here unused (see CacheStats::prefetch_issued).
    std::uint64_t prefetched_resident() const { return m_marks.resident(); }

    CacheStats stats;

private:
    // A hit's effect, shared by b_transport and try_hit: the line's next state, the way made most
    // recent, and the answer (exclusive, served here).
    void hit(std::uint64_t set, std::uint32_t way, mesi::State next, bool exclusive, MemExt& ext);
    // The cache above calls these two on the cache below it (m_below), for its miss and for its
    // dirty victim; their lookups are hinted (TagArray::find_hinted).
    // try_hit for the miss of a cache above.
    bool try_hit_from_above(Addr paddr, bool store, MemExt& ext, sc_core::sc_time& delay);
    // A posted writeback (PutM) of the line at paddr from the cache above, when this cache holds
    // the line: changes what b_transport's PutM changes. Returns false, having changed nothing,
    // when the line must be allocated (through b_transport).
    bool try_writeback(Addr paddr);
    // try_hit's work once `line` is looked up (way: where, or -1).
    [[gnu::always_inline]] bool hit_at(Addr line, int way, bool store, MemExt& ext,
                                       sc_core::sc_time& delay) {
        m_probe = {line, way}; // b_transport, called next on a miss, need not look again
        if (way < 0) return false;
        const std::uint64_t set = m_tags.set_of(line);
        LineInfo& l = m_tags.at(set, static_cast<std::uint32_t>(way));
        const mesi::Transition t =
            mesi::transition(l.state, store ? mesi::Event::Store : mesi::Event::Load);
        if (!t.hit) return false;
        m_probe.line = kNoProbe;
        delay += m_hit_time;
        ++stats.accesses;
        hit(set, static_cast<std::uint32_t>(way), t.next, mesi::is_exclusive(l.state), ext);
        return true;
    }
    void b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void snoop(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
    void end_of_elaboration() override { m_uppers = static_cast<int>(snoop_out.size()); }

    void writeback_in(Addr line, MemExt& ext, sc_core::sc_time& delay);
    // Flush from above: the other caches above and this one drop the line (a dirty copy goes
    // below as a PutM first), then the Flush goes on below.
    void flush(int requester, tlm::tlm_generic_payload& p, MemExt& ext, sc_core::sc_time& delay);
    // Cluster-shared level: snoops the uppers other than `requester`; true if one keeps a copy.
    bool snoop_peers_above(int requester, tlm::tlm_generic_payload& p, MemExt& ext, int way,
                           sc_core::sc_time& delay);
    // A writeback from above lands in (set, way): the line is dirty here now, and most recent.
    void take_writeback(std::uint64_t set, std::uint32_t way);
    std::uint32_t allocate(std::uint64_t set, sc_core::sc_time& delay);
    // Cold path: kept out of line so the hit path of b_transport stays small.
    [[gnu::noinline]] void evict(std::uint64_t set, std::uint32_t way, sc_core::sc_time& delay);
    void send_below(CohCmd cmd, Addr line, const MemExt& like, sc_core::sc_time& delay);
    // Sends a snoop to every cache above; returns {hit, dirty, supplied} or-ed over them.
    void snoop_above(tlm::tlm_generic_payload& p, MemExt& ext, sc_core::sc_time& delay);

    // Prefetching (cache_prefetch.cpp; docs/prefetch.md).
    // A request found the line at (set, way): if a prefetch brought it and no request used it
    // yet, the prefetch was useful; late data holds the request back. Returns whether it was.
    bool use_prefetched(std::uint64_t set, int way, MemExt& ext, sc_core::sc_time& delay);
    // After a demand access from above (not a prefetch from an upper level): trains the
    // prefetcher and issues its candidates at cycle `issue`.
    void prefetch_after(Addr line, DemandOutcome outcome, const MemExt& demand, Cycle issue);
    // One posted prefetch of `line` (a GetS of kind Prefetch) unless present or no MSHR is free.
    void prefetch_line(Addr line, const MemExt& demand, Cycle issue);
    // A non-inclusive level: does a cache above hold `line`? (a Probe snoop, no state change)
    bool held_above(Addr line);
    // (set, way) leaves this cache: a prefetched line that was never used was useless.
    void drop_prefetched(std::uint64_t set, std::uint32_t way) {
        if (m_pf_on && m_marks.take(set * m_tags.ways() + way).on) ++stats.prefetch_useless;
    }

    CacheConfig m_cfg;
    CacheLevel m_level;
    ServedBy m_served;
    const Clocked& m_clock;
    TagArray m_tags;
    unsigned m_line_bits;
    sc_core::sc_time m_hit_time;
    MshrFile m_mshrs;
    bool m_coherent_uppers = false;
    // snoop_out's size, read once bound (the socket's size() walks its binding at every call).
    int m_uppers = 0;
    Cache* m_below = nullptr;
    // try_hit's or try_hit_from_above's lookup when it did not hit, for the b_transport that
    // follows it at once.
    static constexpr Addr kNoProbe = ~Addr(0);
    struct Probe {
        Addr line = kNoProbe;
        int way = -1;
    } m_probe;
    bool m_pf_on; // this level has a prefetcher (else none of it runs)
    bool m_broken_invalidation = false;
    Prefetcher m_pf;
    PrefetchMarks m_marks;        // per slot; empty without a prefetcher
    std::vector<Addr> m_pf_lines; // candidates of one demand access

    // Payload for requests this cache originates (writebacks, back-invalidations).
    tlm::tlm_generic_payload m_own;
    MemExt m_own_ext;
    unsigned char m_dummy[8] = {};
    // Payload of this cache's prefetches: they are posted (never wait), so one is enough.
    tlm::tlm_generic_payload m_pf_payload;
    MemExt m_pf_ext;
};

} // namespace smp
