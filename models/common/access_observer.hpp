// A per-task hook on the accesses a core issues for it (measurement only: no side effects).
#pragma once

#include "models/common/mem_payload.hpp"
#include "models/common/types.hpp"

namespace smp {

// Whose line an access touches: the task's user data, kernel data, or a page table.
enum class LineKind : std::uint8_t { User, Kernel, PageTable };
constexpr int kNumLineKinds = 3;

inline const char* line_kind_name(LineKind k) {
    switch (k) {
    case LineKind::User: return "user";
    case LineKind::Kernel: return "kernel";
    case LineKind::PageTable: return "page_table";
    }
    return "?";
}

// One finished line access: where it was served and how many cycles it took (from issue, the
// L1 lookup included).
struct AccessRecord {
    Addr line = 0;          // physical line address (byte address >> line bits)
    AccessKind kind = AccessKind::Load;
    LineKind what = LineKind::User;
    ServedBy served = ServedBy::L1;
    Cycle latency = 0;
    Cycle stall = 0;        // latency beyond the L1 hit latency (0 when overlapped)
    Cycle now = 0;          // the core's local cycle after the access
    std::uint64_t seq = 0;  // the access's number on its core (observe_wait names it)
    bool overlapped = false; // a miss left in flight (mlp > 1, store buffer): stall 0; the core's
                             // waits for it come later through observe_wait
    Cycle issued = 0;       // the core's local cycle when the access was issued
    PrefetchUse prefetch;   // served by a prefetched line at its first use (MemExt::prefetch)
};

// The core waited from `from` to `to` for the overlapped access `seq` (its data, its retirement
// from the store buffer), or, with `any`, for whichever of its MSHRs freed first (all were busy;
// `seq` is the one that did).
struct WaitRecord {
    std::uint64_t seq = 0;
    Cycle from = 0;
    Cycle to = 0;
    bool any = false;
};

// One translation of a task's access with the TLB on: its page, whether the TLB held it, and
// on a miss the cycles of the walk (whose page-table accesses were observed just before).
struct TranslationRecord {
    std::uint32_t asid = 0;
    Addr vpage = 0;         // virtual address >> 12
    bool hit = true;
    Cycle walk_cycles = 0;
    Cycle now = 0;          // the core's local cycle after the walk
};

class AccessObserver {
public:
    virtual ~AccessObserver() = default;
    // Returns false when the observer wants no more accesses (nor translations).
    virtual bool observe(const AccessRecord& a) = 0;
    virtual bool observe_translation(const TranslationRecord&) { return true; }
    // A wait for overlapped accesses (a full MSHR file or store buffer, a dependent load, or a
    // drain before the kernel, an interrupt or a fence).
    virtual void observe_wait(const WaitRecord& w) { (void)w; }
};

} // namespace smp
