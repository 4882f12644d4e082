// MissWindow: which MSHR a load miss takes, merges, in-order store retirement, and what a drain
// waits for, against cycles written out by hand.
#include "models/core/miss_window.hpp"

#include <gtest/gtest.h>

namespace smp {
namespace {

TEST(MissWindow, OneMeansBlockingAndZeroStoreEntriesMeansStoresBlock) {
    const MissWindow w(1, 0);
    EXPECT_FALSE(w.loads_overlap());
    EXPECT_FALSE(w.stores_buffered());
    EXPECT_FALSE(w.busy(0));
}

TEST(MissWindow, ALoadMissWaitsOnlyWhenEveryMshrIsBusy) {
    MissWindow w(2, 0);
    EXPECT_EQ(w.load_slot(0).until, 0u);
    w.add_load(10, 100, 1); // line 10, data at 100
    EXPECT_EQ(w.load_slot(5).until, 0u) << "one MSHR still free";
    w.add_load(11, 80, 2);
    const MissWindow::Wait full = w.load_slot(20);
    EXPECT_EQ(full.until, 80u) << "the one that frees first";
    EXPECT_EQ(full.seq, 2u);
    EXPECT_EQ(w.load_slot(80).until, 0u) << "free by then";
    w.add_load(12, 200, 3); // replaces seq 2's MSHR
    EXPECT_EQ(w.in_flight(10, 50)->seq, 1u);
    EXPECT_EQ(w.in_flight(11, 50), nullptr) << "its MSHR was reused";
    EXPECT_EQ(w.in_flight(10, 100), nullptr) << "arrived";
}

TEST(MissWindow, StoresRetireInProgramOrder) {
    MissWindow w(1, 2);
    w.add_store(1, 300, 1, 0); // slow miss
    w.add_store(2, 50, 2, 10); // fast, but behind the first: retires at 300
    const MissWindow::Wait full = w.store_slot(20);
    EXPECT_EQ(full.until, 300u);
    EXPECT_EQ(full.seq, 1u);
    w.add_store(3, 320, 3, 300); // both older stores retired at 300 and left the buffer
    EXPECT_EQ(w.store_slot(300).until, 0u);
    w.add_store(4, 310, 4, 301); // done at 310, retires behind seq 3 at 320
    const MissWindow::Wait again = w.store_slot(302);
    EXPECT_EQ(again.until, 320u);
    EXPECT_EQ(again.seq, 3u);
    EXPECT_EQ(w.next_pending(320).until, 0u) << "seq 4 retired with seq 3";
}

TEST(MissWindow, NextPendingIsTheFirstCompletionAfterNow) {
    MissWindow w(2, 1);
    w.add_load(1, 150, 1);
    w.add_load(2, 120, 2);
    w.add_store(3, 140, 3, 0);
    EXPECT_TRUE(w.busy(100));
    EXPECT_EQ(w.next_pending(100).until, 120u);
    EXPECT_EQ(w.next_pending(120).until, 140u);
    EXPECT_EQ(w.next_pending(140).seq, 1u);
    EXPECT_EQ(w.next_pending(150).until, 0u);
    EXPECT_FALSE(w.busy(150));
}

} // namespace
} // namespace smp
