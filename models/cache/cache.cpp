#include "models/cache/cache.hpp"

#include <algorithm>

namespace smp {

using sc_core::sc_time;
using tlm::tlm_generic_payload;

namespace {

ServedBy served_for(CacheLevel level) {
    switch (level) {
    case CacheLevel::L1: return ServedBy::L1;
    case CacheLevel::L2: return ServedBy::L2;
    case CacheLevel::Llc: return ServedBy::Llc;
    }
    return ServedBy::L1;
}

mesi::Event snoop_event(SnoopCmd c) {
    switch (c) {
    case SnoopCmd::Read: return mesi::Event::SnoopRead;
    case SnoopCmd::ReadExcl: return mesi::Event::SnoopReadExcl;
    default: return mesi::Event::SnoopInvalidate;
    }
}

} // namespace

Cache::Cache(sc_core::sc_module_name name, const CacheConfig& cfg, CacheLevel level,
             const Clocked& clock, std::uint64_t seed)
    : sc_module(name), cpu_side("cpu_side"), mem_side("mem_side"), snoop_in("snoop_in"),
      snoop_out("snoop_out"), m_cfg(cfg), m_level(level), m_served(served_for(level)),
      m_clock(clock),
      m_tags(static_cast<std::uint64_t>(cfg.sets()), static_cast<std::uint32_t>(cfg.ways),
             parse_replacement(cfg.replacement), seed),
      m_line_bits(log2_floor(static_cast<std::uint64_t>(cfg.line))),
      m_hit_time(clock.cycles(static_cast<Cycle>(cfg.latency))),
      m_mshrs(static_cast<std::size_t>(cfg.mshrs)), m_pf_on(cfg.prefetch.enabled()),
      m_pf(cfg.prefetch, m_line_bits),
      m_marks(m_pf_on ? static_cast<std::size_t>(cfg.lines()) : 0) {
    cpu_side.register_b_transport(this, &Cache::b_transport);
    snoop_in.register_b_transport(this, &Cache::snoop);
    m_own.set_extension(&m_own_ext);
    m_own.set_data_ptr(m_dummy);
    m_pf_payload.set_extension(&m_pf_ext);
    m_pf_payload.set_data_ptr(m_dummy);
}

mesi::State Cache::state_of(Addr line) const {
    const int way = m_tags.find(line);
    return way < 0 ? mesi::State::I
                   : m_tags.at(m_tags.set_of(line), static_cast<std::uint32_t>(way)).state;
}

bool Cache::prefetched(Addr line) const {
    const int way = m_tags.find(line);
    return m_pf_on && way >= 0 &&
           m_marks.marked(m_tags.set_of(line) * m_tags.ways() + static_cast<std::uint32_t>(way));
}

bool Cache::try_hit_from_above(Addr paddr, bool store, MemExt& ext, sc_time& delay) {
    if (m_pf_on || m_coherent_uppers) return false;
    const Addr line = paddr >> m_line_bits;
    return hit_at(line, m_tags.find_hinted(line), store, ext, delay);
}

void Cache::hit(std::uint64_t set, std::uint32_t way, mesi::State next, bool exclusive,
                MemExt& ext) {
    ++stats.hits;
    m_tags.at(set, way).state = next;
    m_tags.touch(set, way);
    ext.exclusive = exclusive;
    ext.served_by = m_served;
}

void Cache::b_transport(int id, tlm_generic_payload& p, sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    const Addr line = p.get_address() >> m_line_bits;
    delay += m_hit_time;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    if (ext->cmd == CohCmd::PutM) {
        writeback_in(line, *ext, delay);
        return;
    }
    if (ext->cmd == CohCmd::Flush) {
        flush(id, p, *ext, delay);
        return;
    }
    ++stats.accesses;
    const std::uint64_t set = m_tags.set_of(line);
    int way = m_probe.line == line ? m_probe.way : m_tags.find(line);
    m_probe.line = kNoProbe;
    const mesi::Event ev = ext->cmd == CohCmd::GetS ? mesi::Event::Load : mesi::Event::Store;
    // With a prefetcher: the cycle of this lookup, and whether it is a prefetched line's first use.
    const Cycle looked = m_pf_on ? m_clock.now_cycles() + m_clock.to_cycles(delay) : 0;
    const bool first_use = m_pf_on && way >= 0 && use_prefetched(set, way, *ext, delay);
    if (way >= 0) {
        LineInfo& l = m_tags.at(set, static_cast<std::uint32_t>(way));
        const mesi::Transition t = mesi::transition(l.state, ev);
        if (t.hit) {
            // A hit never waits, so snooping the cluster's other caches here is atomic with it.
            const bool peer_copy = m_coherent_uppers && snoop_peers_above(id, p, *ext, way, delay);
            hit(set, static_cast<std::uint32_t>(way), t.next,
                mesi::is_exclusive(l.state) && !peer_copy, *ext);
            if (m_pf_on) {
                prefetch_after(line, first_use ? DemandOutcome::PrefetchedHit : DemandOutcome::Hit,
                               *ext, looked);
            }
            return;
        }
    }
    ++stats.misses;
    const mesi::State before = way >= 0 ? mesi::State::S : mesi::State::I;
    const mesi::Transition t = mesi::transition(before, ev);
    const CohCmd request = ext->cmd;
    ext->cmd = (t.actions & mesi::kIssueUpgrade) ? CohCmd::Upgrade
               : (t.actions & mesi::kIssueGetM)  ? CohCmd::GetM
                                                 : CohCmd::GetS;
    // One MSHR tracks the miss from issue to fill.
    const std::size_t mshr = m_mshrs.earliest();
    const Cycle issue = m_clock.now_cycles() + m_clock.to_cycles(delay);
    if (m_mshrs.free_at(mshr) > issue) {
        const Cycle stall = m_mshrs.free_at(mshr) - issue;
        stats.mshr_stall_cycles += stall;
        delay += m_clock.cycles(stall);
    }
    const bool direct = m_below && m_below->try_hit_from_above(
                                       p.get_address(), ext->cmd != CohCmd::GetS, *ext, delay);
    if (!direct) mem_side->b_transport(p, delay);
    m_mshrs.occupy(mshr, m_clock.now_cycles() + m_clock.to_cycles(delay));
    ext->cmd = request;

    // Fill. The line may have been filled meanwhile by a sibling thread sharing this cache, or
    // lost to a snoop while the request waited for the bus: look it up again. A direct hit below
    // ran nothing else, so the lookup above still holds.
    if (!direct) way = m_tags.find(line);
    const bool fresh = way < 0;
    const std::uint32_t w = fresh ? allocate(set, delay) : static_cast<std::uint32_t>(way);
    // A sibling's prefetch of this line meanwhile brought nothing this request did not fetch.
    if (!fresh) drop_prefetched(set, w);
    LineInfo& l = m_tags.at(set, w);
    mesi::State s = fresh ? mesi::State::I : l.state;
    s = mesi::transition(s, ext->exclusive ? mesi::Event::FillExclusive : mesi::Event::FillShared)
            .next;
    s = mesi::transition(s, ev).next;
    if (fresh) {
        m_tags.set_line(set, w, line);
        l.filler_task = ext->task;
        l.set_filler_cpu(ext->cpu);
    }
    l.state = s;
    m_tags.touch(set, w);
    // The request may have waited below; a sibling above may hold the line again by now.
    const bool peer_copy =
        m_coherent_uppers && snoop_peers_above(id, p, *ext, static_cast<int>(w), delay);
    ext->exclusive = mesi::is_exclusive(l.state) && !peer_copy;
    if (m_pf_on) {
        prefetch_after(line, first_use ? DemandOutcome::PrefetchedHit : DemandOutcome::Miss, *ext,
                       issue);
    }
}

bool Cache::snoop_peers_above(int requester, tlm_generic_payload& p, MemExt& ext, int way,
                              sc_time& delay) {
    if (way < 0 && m_cfg.inclusive) return false; // inclusion: no copy above
    const SnoopCmd cmd = ext.cmd == CohCmd::GetS ? SnoopCmd::Read : SnoopCmd::ReadExcl;
    snoop_each(ext, cmd, m_uppers, requester,
               [&](int i) { snoop_out[static_cast<unsigned>(i)]->b_transport(p, delay); });
    if (ext.snoop_dirty && way >= 0) { // the dirty data comes down into this level
        LineInfo& l = m_tags.at(m_tags.set_of(p.get_address() >> m_line_bits),
                                static_cast<std::uint32_t>(way));
        l.state = mesi::transition(l.state, mesi::Event::WritebackIn).next;
    }
    return ext.snoop_hit && cmd == SnoopCmd::Read;
}

void Cache::flush(int requester, tlm_generic_payload& p, MemExt& ext, sc_time& delay) {
    ++stats.flushes;
    const Addr line = p.get_address() >> m_line_bits;
    const int way = m_tags.find(line);
    bool dirty = false;
    if (m_uppers > 1 && (way >= 0 || !m_cfg.inclusive)) { // the other caches above
        snoop_each(ext, SnoopCmd::Invalidate, m_uppers, requester,
                   [&](int i) { snoop_out[static_cast<unsigned>(i)]->b_transport(p, delay); });
        dirty = ext.snoop_dirty;
    }
    if (way >= 0) {
        LineInfo& l = m_tags.at(m_tags.set_of(line), static_cast<std::uint32_t>(way));
        dirty |= l.state == mesi::State::M;
        l.state = mesi::State::I;
        drop_prefetched(m_tags.set_of(line), static_cast<std::uint32_t>(way));
    }
    if (dirty) {
        ++stats.writebacks;
        send_below(CohCmd::PutM, line, ext, delay);
    }
    mem_side->b_transport(p, delay);
}

bool Cache::try_writeback(Addr paddr) {
    const Addr line = paddr >> m_line_bits;
    const int way = m_tags.find_hinted(line); // from above: hinted, as try_hit_from_above
    if (way < 0) return false;
    take_writeback(m_tags.set_of(line), static_cast<std::uint32_t>(way));
    return true;
}

void Cache::writeback_in(Addr line, MemExt& ext, sc_time& delay) {
    if (try_writeback(line << m_line_bits)) return;
    // A non-inclusive level: allocate the written-back line.
    const std::uint64_t set = m_tags.set_of(line);
    const std::uint32_t w = allocate(set, delay);
    LineInfo& l = m_tags.at(set, w);
    m_tags.set_line(set, w, line);
    l.filler_task = ext.task;
    l.set_filler_cpu(ext.cpu);
    take_writeback(set, w);
}

void Cache::take_writeback(std::uint64_t set, std::uint32_t way) {
    ++stats.writebacks_in;
    LineInfo& l = m_tags.at(set, way);
    l.state = mesi::transition(l.state, mesi::Event::WritebackIn).next;
    m_tags.touch(set, way);
}

std::uint32_t Cache::allocate(std::uint64_t set, sc_time& delay) {
    const std::uint32_t w = m_tags.victim(set);
    if (m_tags.at(set, w).valid()) evict(set, w, delay);
    return w;
}

void Cache::evict(std::uint64_t set, std::uint32_t way, sc_time& delay) {
    LineInfo& v = m_tags.at(set, way);
    ++stats.evictions;
    drop_prefetched(set, way);
    mesi::State s = v.state;
    // The back-invalidation and the writeback speak for whoever brought the line in: a level
    // below that allocates the written-back line records them as its filler.
    m_own_ext.cpu = v.filler_cpu();
    m_own_ext.task = v.filler_task;
    if (m_cfg.inclusive && m_uppers > 0) {
        m_own_ext.snoop = SnoopCmd::Invalidate;
        set_line_request(m_own, m_tags.line_at(set, way) << m_line_bits,
                         static_cast<unsigned>(m_cfg.line), false);
        snoop_above(m_own, m_own_ext, delay);
        if (m_own_ext.snoop_hit) ++stats.back_invalidations;
        if (m_own_ext.snoop_dirty) s = mesi::State::M;
    }
    const mesi::Transition t = mesi::transition(s, mesi::Event::Evict);
    const Addr line = m_tags.line_at(set, way);
    v.state = t.next;
    if (t.actions & mesi::kWriteback) {
        ++stats.writebacks;
        send_below(CohCmd::PutM, line, m_own_ext, delay);
    }
}

void Cache::send_below(CohCmd cmd, Addr line, const MemExt& like, sc_time& delay) {
    m_own_ext.cmd = cmd;
    m_own_ext.kind = AccessKind::Writeback;
    m_own_ext.cpu = like.cpu;
    m_own_ext.task = like.task;
    set_line_request(m_own, line << m_line_bits, static_cast<unsigned>(m_cfg.line), true);
    if (cmd == CohCmd::PutM && m_below && m_below->try_writeback(line << m_line_bits)) {
        m_own.set_response_status(tlm::TLM_OK_RESPONSE); // as the level's b_transport sets it
        return;
    }
    // A PutM is posted (mem_payload.hpp): it travels at the requester's local time but adds no
    // latency to the requester, so the level below works on a copy of the delay.
    sc_time posted = delay;
    mem_side->b_transport(m_own, posted);
}

void Cache::snoop_above(tlm_generic_payload& p, MemExt& ext, sc_time& delay) {
    snoop_each(ext, ext.snoop, m_uppers, -1,
               [&](int i) { snoop_out[static_cast<unsigned>(i)]->b_transport(p, delay); });
}

void Cache::snoop(tlm_generic_payload& p, sc_time& delay) {
    MemExt* ext = nullptr;
    p.get_extension(ext);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
    const Addr line = p.get_address() >> m_line_bits;
    const std::uint64_t set = m_tags.set_of(line);
    const int way = m_tags.find(line);
    if (ext->snoop == SnoopCmd::Probe) { // does this cache still hold the line? No state change.
        ext->snoop_hit = way >= 0;
        ext->snoop_dirty = ext->snoop_supplied = false;
        return;
    }
    ++stats.snoops;
    bool hit = false, dirty = false, supplied = false;
    if (m_uppers > 0 && (way >= 0 || !m_cfg.inclusive)) {
        snoop_above(p, *ext, delay);
        hit = ext->snoop_hit;
        dirty = ext->snoop_dirty;
        supplied = ext->snoop_supplied;
    }
    if (way >= 0) {
        LineInfo& l = m_tags.at(set, static_cast<std::uint32_t>(way));
        // Dirty data above makes this copy dirty as far as the requester is concerned.
        const mesi::State s = dirty ? mesi::State::M : l.state;
        const mesi::Transition t = mesi::transition(s, snoop_event(ext->snoop));
        hit = true;
        dirty |= s == mesi::State::M;
        if ((t.actions & mesi::kSupply) && mesi::supplies(s, ext->clean_below)) {
            supplied = true;
            ++stats.supplied;
        }
        if (!(m_broken_invalidation && t.next == mesi::State::I)) l.state = t.next;
        if (l.state == mesi::State::I) {
            ++stats.invalidations;
            drop_prefetched(set, static_cast<std::uint32_t>(way));
        }
        ++stats.snoop_hits;
    }
    ext->snoop_hit = hit;
    ext->snoop_dirty = dirty;
    ext->snoop_supplied = supplied;
}

} // namespace smp
