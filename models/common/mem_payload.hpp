// The one TLM convention of smpsim: every memory transaction is a tlm_generic_payload + MemExt.
//
// * Transport: blocking (b_transport) with temporal decoupling. The `delay` argument is the
//   initiator's local time offset. Private levels add their hit latency to `delay` and never wait.
//   The first shared resource on the path (the socket's snoop bus) synchronises: it waits for
//   `delay`, sets it to zero, then handles the transaction atomically at the true global time.
//   Nothing below the bus waits, so a transaction from the bus downwards is atomic.
// * Latency composition (all in core cycles; ns figures are converted once, rounded up):
//   each cache level adds its `latency` when it is looked up, hit or miss; the bus adds
//   `bus.snoop_ns` (+ `bus.c2c_ns` when another core's cache supplies the line: a modified line,
//   or a clean one the socket's LLC does not hold, which otherwise supplies it) plus any wait for
//   the bus; crossing to another socket adds `link.latency_ns` each way; memory adds
//   `memory.latency_ns` plus queueing behind earlier transfers on that controller.
// * Address: the payload address is the physical address of the line (line-aligned);
//   the virtual address and the task travel in the extension. No data is moved (timing model).
// * Commands (MemExt::cmd): GetS (read), GetM (read for ownership), Upgrade (S -> M without data),
//   PutM (dirty writeback; posted: it occupies resources but adds no latency to the requester),
//   Flush (clflush: every cache on the way and every other cache drops the line; a dirty copy is
//   written back to memory first, as a PutM ahead of the Flush).
//   Snoops flow upwards on separate `snoop_in` sockets with MemExt::snoop set.
// * Prefetches (kind Prefetch, a GetS from a cache's prefetcher) are posted as well: they travel
//   at the requester's local time without synchronising, so they never delay the demand access
//   that triggered them; the bus snoops for them atomically at once (docs/prefetch.md).
// * Responses: `exclusive` says whether the requester may hold the line in E; `served_by` is set by
//   the level that supplied the data.
#pragma once

#include "models/common/types.hpp"

#include <tlm>

namespace smp {

// Prefetch: a cache's own read of a line no request asked for yet (a GetS; the bus handles it
// posted, see below).
enum class AccessKind : std::uint8_t { IFetch, Load, Store, Atomic, Writeback, Prefetch };
enum class CohCmd : std::uint8_t { GetS, GetM, Upgrade, PutM, Flush };
enum class SnoopCmd : std::uint8_t { Read, ReadExcl, Invalidate, Probe };

// Where the data of a request came from, nearest first.
enum class ServedBy : std::uint8_t { L1, L2, Llc, PeerCache, RemoteCache, Memory, RemoteMemory };
constexpr int kNumServedBy = 7;

inline const char* served_by_name(ServedBy s) {
    switch (s) {
    case ServedBy::L1: return "l1";
    case ServedBy::L2: return "l2";
    case ServedBy::Llc: return "llc";
    case ServedBy::PeerCache: return "peer_cache";
    case ServedBy::RemoteCache: return "remote_cache";
    case ServedBy::Memory: return "memory";
    case ServedBy::RemoteMemory: return "remote_memory";
    }
    return "?";
}

// The first use of a line a prefetcher brought in, as the level that holds it answers.
struct PrefetchUse {
    bool hit = false; // the request was served by a prefetched line no request had used yet
    Cycle saved = 0;  // cycles the prefetch saved it: the prefetch's trip below, less the time
                      // the request waited for the prefetch's data (a late prefetch)
    ServedBy from = ServedBy::Memory; // where the prefetch found the line
};

struct MemExt;

// A cache's hit path without a transaction, as TLM's direct memory interface bypasses the socket:
// the core looks its L1 up directly, and on a hit the cache changes exactly what its b_transport
// would have changed.
class HitPath {
public:
    virtual ~HitPath() = default;
    // A load (store = false) or store hit on paddr that needs nothing but this cache: state, LRU
    // and stats updated, ext.served_by and ext.exclusive set, the hit time added to delay.
    // Returns false, having changed nothing, when the request must go through b_transport.
    virtual bool try_hit(Addr paddr, bool store, MemExt& ext, sc_core::sc_time& delay) = 0;
};

// What TLM lacks: who asks, what for, and the coherence answer.
struct MemExt : tlm::tlm_extension<MemExt> {
    // request
    CpuId cpu = 0;
    TaskId task = kNoTask;
    Addr vaddr = 0;
    AccessKind kind = AccessKind::Load;
    CohCmd cmd = CohCmd::GetS;
    // response
    bool exclusive = false;
    ServedBy served_by = ServedBy::L1;
    PrefetchUse prefetch; // set by the level whose prefetched line served the request
    // snoops
    SnoopCmd snoop = SnoopCmd::Read;
    bool snoop_hit = false;    // some cache above held the line
    bool snoop_dirty = false;  // the line was modified above (data supplied or written back)
    bool snoop_supplied = false;
    bool clean_below = false; // the bus's shared cache holds the line: only a dirty copy supplies

    tlm::tlm_extension_base* clone() const override { return new MemExt(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const MemExt&>(other);
    }
};

// Sends the snoop `cmd` through send(i) for every agent i that agents(visit) visits, and leaves
// the or-ed answer (hit, dirty, supplied) in ext; ext.snoop is restored afterwards. During
// send(i), after the snoop, ext holds agent i's own answer.
template <typename Agents, typename Send>
void snoop_agents(MemExt& ext, SnoopCmd cmd, Agents agents, Send send) {
    const SnoopCmd saved = ext.snoop;
    bool hit = false, dirty = false, supplied = false;
    agents([&](int i) {
        ext.snoop = cmd;
        ext.snoop_hit = ext.snoop_dirty = ext.snoop_supplied = false;
        send(i);
        hit |= ext.snoop_hit;
        dirty |= ext.snoop_dirty;
        supplied |= ext.snoop_supplied;
    });
    ext.snoop = saved;
    ext.snoop_hit = hit;
    ext.snoop_dirty = dirty;
    ext.snoop_supplied = supplied;
}

// snoop_agents over every i in [0, n) except `except`.
template <typename Send> void snoop_each(MemExt& ext, SnoopCmd cmd, int n, int except, Send send) {
    snoop_agents(
        ext, cmd,
        [n, except](auto visit) {
            for (int i = 0; i < n; ++i)
                if (i != except) visit(i);
        },
        send);
}

// Prepares a payload for a line request; `ext` must already be attached.
inline void set_line_request(tlm::tlm_generic_payload& p, Addr line_paddr, unsigned line_bytes,
                             bool write) {
    p.set_address(line_paddr);
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_data_length(line_bytes);
    p.set_streaming_width(line_bytes);
    p.set_byte_enable_ptr(nullptr);
    p.set_dmi_allowed(false);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

} // namespace smp
