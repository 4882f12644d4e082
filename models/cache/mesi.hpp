// MESI coherence as a pure transition function: (state, event) -> (next state, actions). No SystemC.
#pragma once

#include <cstdint>

namespace smp::mesi {

enum class State : std::uint8_t { I = 0, S = 1, E = 2, M = 3 };

enum class Event : std::uint8_t {
    Load,              // read request from above (core or upper cache)
    Store,             // write or atomic request from above (needs exclusive ownership)
    Evict,             // replacement of this line
    WritebackIn,       // an upper cache writes a dirty line back into this one
    SnoopRead,         // another agent reads the line (BusRd)
    SnoopReadExcl,     // another agent wants to write the line (BusRdX)
    SnoopInvalidate,   // upgrade by another sharer, or back-invalidation by an inclusive level
    FillShared,        // the level below granted a shared copy
    FillExclusive,     // the level below granted an exclusive copy
};

constexpr int kNumStates = 4;
constexpr int kNumEvents = 9;

enum Action : std::uint8_t {
    kNone = 0,
    kIssueGetS = 1 << 0,    // miss: fetch a shared-or-exclusive copy from below
    kIssueGetM = 1 << 1,    // miss: fetch an exclusive copy from below
    kIssueUpgrade = 1 << 2, // have S, need M: invalidate the other copies, no data
    kWriteback = 1 << 3,    // dirty data goes below (to LLC or memory)
    kSupply = 1 << 4,       // this cache supplies the data to the requester (cache-to-cache)
};

struct Transition {
    State next;
    std::uint8_t actions;
    bool hit; // the request from above is satisfied by this cache without going below
};

// The whole protocol. Every (state, event) pair is defined:
// - a fill never lowers a state (a line filled twice keeps the stronger copy);
// - snoops never grant, they only downgrade or invalidate, supplying data from E/M (the bus
//   takes a clean line from the socket's LLC instead when that holds it, snoop_bus.hpp).
constexpr Transition transition(State s, Event e) {
    using S_ = State;
    switch (e) {
    case Event::Load:
        if (s == S_::I) return {S_::I, kIssueGetS, false};
        return {s, kNone, true};
    case Event::Store:
        if (s == S_::I) return {S_::I, kIssueGetM, false};
        if (s == S_::S) return {S_::S, kIssueUpgrade, false};
        return {S_::M, kNone, true};
    case Event::Evict:
        return {S_::I, s == S_::M ? kWriteback : kNone, false};
    case Event::WritebackIn:
        return {S_::M, kNone, false};
    case Event::SnoopRead:
        if (s == S_::M) return {S_::S, static_cast<std::uint8_t>(kSupply | kWriteback), false};
        if (s == S_::E) return {S_::S, kSupply, false};
        return {s, kNone, false};
    case Event::SnoopReadExcl:
        if (s == S_::M || s == S_::E) return {S_::I, kSupply, false};
        return {S_::I, kNone, false};
    case Event::SnoopInvalidate:
        return {S_::I, s == S_::M ? kWriteback : kNone, false};
    case Event::FillShared:
        return {s == S_::I ? S_::S : s, kNone, false};
    case Event::FillExclusive:
        return {(s == S_::I || s == S_::S) ? S_::E : s, kNone, false};
    }
    return {s, kNone, false};
}

constexpr bool is_exclusive(State s) { return s == State::E || s == State::M; }
// Whether a snooped copy in state s supplies the line cache to cache: a modified copy always, a
// clean exclusive one only when the socket's shared cache does not hold the line (that cache
// supplies it then).
constexpr bool supplies(State s, bool shared_below_holds) {
    return s == State::M || (s == State::E && !shared_below_holds);
}

inline const char* name(State s) {
    switch (s) {
    case State::I: return "I";
    case State::S: return "S";
    case State::E: return "E";
    case State::M: return "M";
    }
    return "?";
}

} // namespace smp::mesi
