// Unit tests for the MESI transition function (models/cache/mesi.hpp).
// Every expectation below is written out by hand from the protocol description; the code under
// test is only ever called, never used to compute an expected value.
#include "models/cache/mesi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>

namespace smp {
namespace {

using mesi::Event;
using mesi::State;
using mesi::Transition;

constexpr std::uint8_t kNone = mesi::kNone;
constexpr std::uint8_t kGetS = mesi::kIssueGetS;
constexpr std::uint8_t kGetM = mesi::kIssueGetM;
constexpr std::uint8_t kUpg = mesi::kIssueUpgrade;
constexpr std::uint8_t kWb = mesi::kWriteback;
constexpr std::uint8_t kSup = mesi::kSupply;

constexpr std::array<State, 4> kStates = {State::I, State::S, State::E, State::M};
constexpr std::array<Event, 9> kEvents = {
    Event::Load,          Event::Store,           Event::Evict,
    Event::WritebackIn,   Event::SnoopRead,       Event::SnoopReadExcl,
    Event::SnoopInvalidate, Event::FillShared,    Event::FillExclusive,
};

const char* event_name(Event e) {
    switch (e) {
    case Event::Load: return "Load";
    case Event::Store: return "Store";
    case Event::Evict: return "Evict";
    case Event::WritebackIn: return "WritebackIn";
    case Event::SnoopRead: return "SnoopRead";
    case Event::SnoopReadExcl: return "SnoopReadExcl";
    case Event::SnoopInvalidate: return "SnoopInvalidate";
    case Event::FillShared: return "FillShared";
    case Event::FillExclusive: return "FillExclusive";
    }
    return "?";
}

// Permission order used by the property tests: I < S < E < M.
int rank(State s) {
    switch (s) {
    case State::I: return 0;
    case State::S: return 1;
    case State::E: return 2;
    case State::M: return 3;
    }
    return -1;
}

bool is_snoop(Event e) {
    return e == Event::SnoopRead || e == Event::SnoopReadExcl || e == Event::SnoopInvalidate;
}

bool is_fill(Event e) { return e == Event::FillShared || e == Event::FillExclusive; }

struct Row {
    State from;
    Event event;
    State next;
    std::uint8_t actions;
    bool hit;
};

// The complete protocol, hand-written: 4 states x 9 events.
const Row kTable[] = {
    // Load: I misses and issues GetS; S/E/M hit and stay.
    {State::I, Event::Load, State::I, kGetS, false},
    {State::S, Event::Load, State::S, kNone, true},
    {State::E, Event::Load, State::E, kNone, true},
    {State::M, Event::Load, State::M, kNone, true},
    // Store: I issues GetM; S issues Upgrade; E silently becomes M; M hits.
    {State::I, Event::Store, State::I, kGetM, false},
    {State::S, Event::Store, State::S, kUpg, false},
    {State::E, Event::Store, State::M, kNone, true},
    {State::M, Event::Store, State::M, kNone, true},
    // Evict: always to I, only a dirty line is written back.
    {State::I, Event::Evict, State::I, kNone, false},
    {State::S, Event::Evict, State::I, kNone, false},
    {State::E, Event::Evict, State::I, kNone, false},
    {State::M, Event::Evict, State::I, kWb, false},
    // WritebackIn: the line becomes dirty here.
    {State::I, Event::WritebackIn, State::M, kNone, false},
    {State::S, Event::WritebackIn, State::M, kNone, false},
    {State::E, Event::WritebackIn, State::M, kNone, false},
    {State::M, Event::WritebackIn, State::M, kNone, false},
    // SnoopRead: M -> S supplying and writing back, E -> S supplying, S/I unchanged.
    {State::I, Event::SnoopRead, State::I, kNone, false},
    {State::S, Event::SnoopRead, State::S, kNone, false},
    {State::E, Event::SnoopRead, State::S, kSup, false},
    {State::M, Event::SnoopRead, State::S, static_cast<std::uint8_t>(kSup | kWb), false},
    // SnoopReadExcl: everything to I, E/M supply the data.
    {State::I, Event::SnoopReadExcl, State::I, kNone, false},
    {State::S, Event::SnoopReadExcl, State::I, kNone, false},
    {State::E, Event::SnoopReadExcl, State::I, kSup, false},
    {State::M, Event::SnoopReadExcl, State::I, kSup, false},
    // SnoopInvalidate: everything to I, only M writes back.
    {State::I, Event::SnoopInvalidate, State::I, kNone, false},
    {State::S, Event::SnoopInvalidate, State::I, kNone, false},
    {State::E, Event::SnoopInvalidate, State::I, kNone, false},
    {State::M, Event::SnoopInvalidate, State::I, kWb, false},
    // FillShared: I -> S, anything stronger is kept.
    {State::I, Event::FillShared, State::S, kNone, false},
    {State::S, Event::FillShared, State::S, kNone, false},
    {State::E, Event::FillShared, State::E, kNone, false},
    {State::M, Event::FillShared, State::M, kNone, false},
    // FillExclusive: I/S -> E, E/M unchanged.
    {State::I, Event::FillExclusive, State::E, kNone, false},
    {State::S, Event::FillExclusive, State::E, kNone, false},
    {State::E, Event::FillExclusive, State::E, kNone, false},
    {State::M, Event::FillExclusive, State::M, kNone, false},
};

std::string label(State s, Event e) {
    return std::string(mesi::name(s)) + " x " + event_name(e);
}

TEST(Mesi, TableCoversEveryStateEventPairExactlyOnce) {
    constexpr std::size_t kRows = sizeof(kTable) / sizeof(kTable[0]);
    ASSERT_EQ(kRows, static_cast<std::size_t>(mesi::kNumStates * mesi::kNumEvents));
    ASSERT_EQ(kStates.size(), static_cast<std::size_t>(mesi::kNumStates));
    ASSERT_EQ(kEvents.size(), static_cast<std::size_t>(mesi::kNumEvents));
    std::set<std::pair<int, int>> seen;
    for (const Row& r : kTable) {
        EXPECT_TRUE(seen.insert({static_cast<int>(r.from), static_cast<int>(r.event)}).second)
            << "duplicate row " << label(r.from, r.event);
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(mesi::kNumStates * mesi::kNumEvents));
    for (State s : kStates) {
        for (Event e : kEvents) {
            EXPECT_EQ(seen.count({static_cast<int>(s), static_cast<int>(e)}), 1u)
                << "missing row " << label(s, e);
        }
    }
}

TEST(Mesi, EveryPairMatchesTheHandWrittenTable) {
    int checked = 0;
    for (const Row& r : kTable) {
        const Transition t = mesi::transition(r.from, r.event);
        EXPECT_EQ(t.next, r.next) << label(r.from, r.event) << ": got " << mesi::name(t.next)
                                  << ", want " << mesi::name(r.next);
        EXPECT_EQ(static_cast<int>(t.actions), static_cast<int>(r.actions))
            << label(r.from, r.event);
        EXPECT_EQ(t.hit, r.hit) << label(r.from, r.event);
        ++checked;
    }
    EXPECT_EQ(checked, 36);
}

TEST(Mesi, TransitionIsUsableAtCompileTime) {
    static_assert(mesi::transition(State::E, Event::Store).next == State::M);
    static_assert(mesi::transition(State::I, Event::Load).actions == mesi::kIssueGetS);
    static_assert(!mesi::transition(State::S, Event::Store).hit);
    SUCCEED();
}

TEST(Mesi, IsExclusiveAndNames) {
    EXPECT_FALSE(mesi::is_exclusive(State::I));
    EXPECT_FALSE(mesi::is_exclusive(State::S));
    EXPECT_TRUE(mesi::is_exclusive(State::E));
    EXPECT_TRUE(mesi::is_exclusive(State::M));
    EXPECT_STREQ(mesi::name(State::I), "I");
    EXPECT_STREQ(mesi::name(State::S), "S");
    EXPECT_STREQ(mesi::name(State::E), "E");
    EXPECT_STREQ(mesi::name(State::M), "M");
}

// ---- Properties over all 36 pairs --------------------------------------------------------

TEST(MesiProperty, SnoopNeverRaisesState) {
    for (State s : kStates) {
        for (Event e : kEvents) {
            if (!is_snoop(e)) continue;
            const Transition t = mesi::transition(s, e);
            EXPECT_LE(rank(t.next), rank(s)) << label(s, e);
            EXPECT_FALSE(t.hit) << label(s, e);
            EXPECT_EQ(t.actions & (kGetS | kGetM | kUpg), 0) << label(s, e);
        }
    }
}

TEST(MesiProperty, FillNeverLowersState) {
    for (State s : kStates) {
        for (Event e : kEvents) {
            if (!is_fill(e)) continue;
            const Transition t = mesi::transition(s, e);
            EXPECT_GE(rank(t.next), rank(s)) << label(s, e);
            EXPECT_NE(t.next, State::I) << label(s, e);
            EXPECT_EQ(t.actions, kNone) << label(s, e);
        }
    }
}

TEST(MesiProperty, SupplyOnlyFromExclusiveStates) {
    int supplies = 0;
    for (State s : kStates) {
        for (Event e : kEvents) {
            const Transition t = mesi::transition(s, e);
            if (t.actions & kSup) {
                ++supplies;
                EXPECT_TRUE(s == State::E || s == State::M) << label(s, e);
                EXPECT_TRUE(is_snoop(e)) << label(s, e);
            }
        }
    }
    // E and M supply on SnoopRead and SnoopReadExcl.
    EXPECT_EQ(supplies, 4);
}

TEST(MesiProperty, WritebackOnlyFromModified) {
    int writebacks = 0;
    for (State s : kStates) {
        for (Event e : kEvents) {
            const Transition t = mesi::transition(s, e);
            if (t.actions & kWb) {
                ++writebacks;
                EXPECT_EQ(s, State::M) << label(s, e);
                EXPECT_NE(t.next, State::M) << label(s, e) << ": written back but still dirty";
            }
        }
    }
    // Evict, SnoopRead, SnoopInvalidate of M.
    EXPECT_EQ(writebacks, 3);
}

TEST(MesiProperty, HitImpliesPermission) {
    int hits = 0;
    for (State s : kStates) {
        for (Event e : kEvents) {
            const Transition t = mesi::transition(s, e);
            if (!t.hit) continue;
            ++hits;
            ASSERT_TRUE(e == Event::Load || e == Event::Store) << label(s, e);
            if (e == Event::Load) {
                EXPECT_NE(t.next, State::I) << label(s, e);
            }
            if (e == Event::Store) {
                EXPECT_EQ(t.next, State::M) << label(s, e);
            }
            EXPECT_EQ(t.actions, kNone) << label(s, e);
        }
    }
    EXPECT_EQ(hits, 5); // Load on S/E/M, Store on E/M
}

TEST(MesiProperty, MissIssuesExactlyOneRequestAndKeepsState) {
    for (State s : kStates) {
        for (Event e : {Event::Load, Event::Store}) {
            const Transition t = mesi::transition(s, e);
            if (t.hit) continue;
            const int requests = ((t.actions & kGetS) ? 1 : 0) + ((t.actions & kGetM) ? 1 : 0) +
                                 ((t.actions & kUpg) ? 1 : 0);
            EXPECT_EQ(requests, 1) << label(s, e);
            EXPECT_EQ(t.next, s) << label(s, e) << ": a miss changes nothing until the fill";
        }
    }
}

// ---- Two caches sharing one line ---------------------------------------------------------

bool swmr_ok(State a, State b) {
    if (mesi::is_exclusive(a)) return b == State::I;
    if (mesi::is_exclusive(b)) return a == State::I;
    return true;
}

// Applies the protocol to two caches holding one line, with a data value per copy so that the
// test also checks that every load returns the value of the most recent store.
class TwoCacheSystem {
public:
    // Returns the value seen by a Load (or the value written by a Store); -1 for Evict.
    long step(int who, Event op) {
        const int other = 1 - who;
        if (op == Event::Evict) {
            apply(who, op);
            return -1;
        }
        Transition t = mesi::transition(state[who], op);
        if (!t.hit) {
            Event snoop = Event::SnoopRead;
            if (t.actions & kGetS) snoop = Event::SnoopRead;
            else if (t.actions & kGetM) snoop = Event::SnoopReadExcl;
            else if (t.actions & kUpg) snoop = Event::SnoopInvalidate;
            else ADD_FAILURE() << "miss without a request: " << label(state[who], op);
            if (t.actions & kGetS) ++gets;
            if (t.actions & kGetM) ++getm;
            if (t.actions & kUpg) ++upgrades;

            const bool had_copy = state[who] != State::I;
            const std::uint8_t snoop_actions = apply(other, snoop);
            if (!had_copy) {
                // Data comes from the supplier if any, else from memory (after any writeback).
                data[who] = (snoop_actions & kSup) ? data[other] : memory;
            }
            if (snoop_actions & kSup) ++supplies;
            apply(who, state[other] == State::I ? Event::FillExclusive : Event::FillShared);

            t = mesi::transition(state[who], op);
            EXPECT_TRUE(t.hit) << "the request " << event_name(op) << " still misses in "
                               << mesi::name(state[who]) << " after the fill";
        }
        state[who] = t.next;
        if (op == Event::Store) {
            latest = ++version;
            data[who] = latest;
        }
        return data[who];
    }

    State state[2] = {State::I, State::I};
    long data[2] = {0, 0};
    long memory = 0;
    long latest = 0;
    int gets = 0, getm = 0, upgrades = 0, supplies = 0;

private:
    std::uint8_t apply(int who, Event e) {
        const Transition t = mesi::transition(state[who], e);
        if (t.actions & kWb) memory = data[who];
        state[who] = t.next;
        return t.actions;
    }
    long version = 0;
};

TEST(MesiTwoCaches, HandTracedSequence) {
    TwoCacheSystem sys;
    // Cache 0 loads alone: exclusive copy.
    sys.step(0, Event::Load);
    EXPECT_EQ(sys.state[0], State::E);
    EXPECT_EQ(sys.state[1], State::I);
    // Cache 1 loads: 0 supplies, both shared.
    sys.step(1, Event::Load);
    EXPECT_EQ(sys.state[0], State::S);
    EXPECT_EQ(sys.state[1], State::S);
    // Cache 1 stores: upgrade invalidates 0.
    EXPECT_EQ(sys.step(1, Event::Store), 1);
    EXPECT_EQ(sys.state[0], State::I);
    EXPECT_EQ(sys.state[1], State::M);
    EXPECT_EQ(sys.memory, 0);
    // Cache 0 loads: 1 supplies the dirty data and writes back, both shared.
    EXPECT_EQ(sys.step(0, Event::Load), 1);
    EXPECT_EQ(sys.state[0], State::S);
    EXPECT_EQ(sys.state[1], State::S);
    EXPECT_EQ(sys.memory, 1);
    // Cache 0 evicts, cache 1 stores: S -> upgrade -> M without anyone to invalidate.
    sys.step(0, Event::Evict);
    EXPECT_EQ(sys.step(1, Event::Store), 2);
    EXPECT_EQ(sys.state[0], State::I);
    EXPECT_EQ(sys.state[1], State::M);
    // Cache 0 stores: read-exclusive takes the dirty line from 1.
    EXPECT_EQ(sys.step(0, Event::Store), 3);
    EXPECT_EQ(sys.state[0], State::M);
    EXPECT_EQ(sys.state[1], State::I);
    EXPECT_EQ(sys.step(1, Event::Load), 3);
    EXPECT_EQ(sys.gets, 4);
    EXPECT_EQ(sys.getm, 1);
    EXPECT_EQ(sys.upgrades, 2);
    EXPECT_EQ(sys.supplies, 4);
}

TEST(MesiTwoCaches, RandomSequencesKeepSingleWriterMultipleReaders) {
    std::mt19937 rng(20240611u);
    std::uniform_int_distribution<int> pick_cache(0, 1);
    std::uniform_int_distribution<int> pick_op(0, 2);
    const Event ops[] = {Event::Load, Event::Store, Event::Evict};

    std::set<std::pair<int, int>> visited;
    for (int run = 0; run < 20; ++run) {
        TwoCacheSystem sys;
        for (int step = 0; step < 5000; ++step) {
            const int who = pick_cache(rng);
            const Event op = ops[pick_op(rng)];
            const long value = sys.step(who, op);
            ASSERT_TRUE(swmr_ok(sys.state[0], sys.state[1]))
                << "run " << run << " step " << step << ": " << mesi::name(sys.state[0]) << "/"
                << mesi::name(sys.state[1]) << " after cache " << who << " " << event_name(op);
            if (op == Event::Load) {
                ASSERT_EQ(value, sys.latest)
                    << "run " << run << " step " << step << ": stale load";
            }
            if (op == Event::Evict) {
                ASSERT_EQ(sys.state[who], State::I);
            }
            // A clean copy must hold what memory holds.
            for (int c = 0; c < 2; ++c) {
                if (sys.state[c] == State::S || sys.state[c] == State::E) {
                    ASSERT_EQ(sys.data[c], sys.memory) << "run " << run << " step " << step;
                }
            }
            visited.insert({static_cast<int>(sys.state[0]), static_cast<int>(sys.state[1])});
        }
        // Once both caches are evicted, memory holds the last stored value.
        sys.step(0, Event::Evict);
        sys.step(1, Event::Evict);
        EXPECT_EQ(sys.memory, sys.latest) << "run " << run << ": a write was lost";
    }
    // All eight legal combinations were exercised (and, by the checks above, nothing else).
    const std::set<std::pair<int, int>> legal = {
        {0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 2}, {2, 0}, {0, 3}, {3, 0}};
    EXPECT_EQ(visited, legal);
}

TEST(Mesi, AModifiedCopySuppliesAlwaysACleanOneOnlyWithoutTheSharedCache) {
    for (bool below : {false, true}) {
        EXPECT_TRUE(mesi::supplies(State::M, below));
        EXPECT_EQ(mesi::supplies(State::E, below), !below);
        EXPECT_FALSE(mesi::supplies(State::S, below));
        EXPECT_FALSE(mesi::supplies(State::I, below));
    }
}

} // namespace
} // namespace smp
