// Check mode's coherence checker against a deliberately broken MESI transition: cpu1's L1D keeps
// its copy when a store by cpu0 invalidates it (a test-only fault), and the checker, which looks
// at the line of every bus transaction, stops the run at that store, the first offending access,
// naming the cycle, the line and the two holders. Without the fault the same accesses pass.
#include "model_fixture.hpp"
#include "platform/checker.hpp"

#include <sstream>
#include <vector>

namespace smp::test {
namespace {

constexpr Addr kX = 0x40000;

struct Checked {
    System sys;
    AddressSpace as{0, false, nullptr};
    TaskCounters tc[2];
    CoherenceChecker checker{sys};
    std::string violation;
    int accesses_done = 0;  // accesses completed before the violation was reported
    int caught_during = -1; // the access in flight when it was
    explicit Checked(const SystemConfig& cfg) : sys(cfg) {
        sys.core(0).set_context(0, &as, &tc[0]);
        sys.core(1).set_context(1, &as, &tc[1]);
        checker.watch([this](const std::string& what) {
            violation = what;
            caught_during = accesses_done;
        });
    }
    // Loads X on cpu0 and cpu1 (both S), then stores X on cpu0 (invalidates cpu1), then loads
    // it on cpu1 again.
    void run() {
        sc_core::sc_spawn([this] {
            const std::pair<int, OpKind> seq[] = {
                {0, OpKind::Load}, {1, OpKind::Load}, {0, OpKind::Store}, {1, OpKind::Load}};
            for (const auto& [cpu, kind] : seq) {
                if (!violation.empty()) return;
                timed(sys.core(static_cast<CpuId>(cpu)), kind, kX);
                ++accesses_done;
            }
        });
        sc_core::sc_start();
    }
};

TEST(Checker, BrokenInvalidationIsCaughtAtTheFirstOffendingAccess) {
    Checked t(reference_config());
    cache(t.sys, "system.cpu1.l1d").break_invalidation_for_test(true);
    t.run();
    ASSERT_FALSE(t.violation.empty());
    EXPECT_EQ(t.caught_during, 2) << "the store by cpu0 (accesses 0 and 1 were coherent)";
    EXPECT_NE(t.violation.find("line 0x" +
                               [] {
                                   std::ostringstream os;
                                   os << std::hex << paddr0(kX);
                                   return os.str();
                               }()),
              std::string::npos)
        << t.violation;
    EXPECT_NE(t.violation.find("coherence check failed at cycle "), std::string::npos);
    // cpu1's L1D kept S while its L2 was invalidated (inclusion, checked first); cpu0 owns it.
    EXPECT_NE(t.violation.find("cpu1_l1d holds the line in S"), std::string::npos) << t.violation;
    EXPECT_EQ(cache(t.sys, "system.cpu1.l1d").state_of(line0(kX)), mesi::State::S);
}

TEST(Checker, SameAccessesWithoutTheFaultPass) {
    Checked t(reference_config());
    t.run();
    EXPECT_EQ(t.violation, "");
    EXPECT_EQ(t.accesses_done, 4);
    EXPECT_GT(t.checker.check_all(), 0u);
}

} // namespace
} // namespace smp::test
