// Guest programs written in C++ that measure with the guest clock and branch on the result.
#include "tests/system/guest_fixture.hpp"

namespace smp::test {
namespace {

// 2.6.16's measure_one, grown like its size search: touch a buffer on CPU 0, time a second
// touch there, move to CPU 1, time a touch there; cost = moved - same. Double the buffer and
// measure again (back on CPU 0) until a cost exceeds `stop_above`.
class MigrationProbe : public OpSource {
public:
    MigrationProbe(std::uint64_t size, std::int64_t stop_above)
        : m_size(size), m_stop(stop_above) {}
    bool next(Op& op) override {
        for (;;) {
            if (m_touch && m_touch->next(op)) return true;
            m_touch.reset();
            switch (m_stage++) {
            case 0:
                return affinity(op, m_cpu0);
            case 1:
                return touch(op);
            case 2:
                return clock(op); // t0
            case 3:
                return touch(op);
            case 4:
                return clock(op); // t1
            case 5:
                return affinity(op, m_cpu1);
            case 6:
                return clock(op); // t2
            case 7:
                return touch(op);
            case 8:
                return clock(op); // t3
            default: {
                const std::int64_t cost = (m_t[3] - m_t[2]) - (m_t[1] - m_t[0]);
                costs.emplace_back(m_size, cost);
                if (cost > m_stop || costs.size() == 6) return false;
                m_size *= 2;
                m_stage = 0;
                m_clock = 0;
            }
            }
        }
    }
    void result(std::int64_t v) override {
        if (m_pending_clock) m_t[m_clock++] = v;
        m_pending_clock = false;
    }
    std::vector<std::pair<std::uint64_t, std::int64_t>> costs; // buffer size, measured cost

private:
    bool affinity(Op& op, const std::vector<int>& cpus) {
        op = Op{};
        op.kind = OpKind::Sys;
        op.sys = SysOp::SetAffinity;
        op.cpus = &cpus;
        return true;
    }
    bool clock(Op& op) {
        op = Op{};
        op.kind = OpKind::Sys;
        op.sys = SysOp::Clock;
        m_pending_clock = true;
        return true;
    }
    bool touch(Op& op) {
        m_touch = std::make_unique<TouchCacheSource>(0x10000000, m_size, 1);
        return m_touch->next(op);
    }

    std::uint64_t m_size;
    std::int64_t m_stop;
    unsigned m_stage = 0;
    std::unique_ptr<OpSource> m_touch;
    std::int64_t m_t[4] = {};
    unsigned m_clock = 0;
    bool m_pending_clock = false;
    const std::vector<int> m_cpu0{0}, m_cpu1{1};
};

} // namespace

TEST(Programs, ACalibrationProgramBranchesOnWhatItMeasured) {
    SystemConfig cfg = preset("quad");
    cfg.tasks = {task("calibrate", spin(1), {0})};
    Guest g(cfg);
    auto probe = std::make_unique<MigrationProbe>(16 * 1024, 50000);
    MigrationProbe* p = probe.get();
    g.g->set_program("calibrate", std::move(probe));
    g.run();
    ASSERT_TRUE(g.k().all_user_tasks_exited());
    // touch_cache leaves 2/3 of the lines in CPU 0's private caches; CPU 1 fetches them from
    // there (quad: private L2s), so the cost grows with the buffer (16 KiB: 171 lines).
    std::string seen;
    for (const auto& c : p->costs)
        seen += " " + std::to_string(c.first) + ":" + std::to_string(c.second);
    SCOPED_TRACE("size:cost" + seen);
    ASSERT_GE(p->costs.size(), 2u);
    for (std::size_t i = 0; i + 1 < p->costs.size(); ++i) {
        EXPECT_GT(p->costs[i].second, 0);
        EXPECT_LE(p->costs[i].second, 50000) << "it went on only while the cost stayed low";
        EXPECT_LT(p->costs[i].second, p->costs[i + 1].second);
        EXPECT_EQ(p->costs[i + 1].first, 2 * p->costs[i].first);
    }
    EXPECT_GT(p->costs.back().second, 50000) << "it stopped at the first high cost";
    // Each round moved it 0 -> 1 (and back to 0 for the next round), through the kernel.
    const int pid = g.pid("calibrate");
    int moves = 0;
    for (const auto& m : g.k().migrations())
        moves += m.task == pid;
    EXPECT_EQ(moves, int(2 * p->costs.size() - 1));
}

} // namespace smp::test
