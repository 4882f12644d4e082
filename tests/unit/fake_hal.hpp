// A fake HAL for the guest scheduler's unit tests (no SystemC, no threads): it records what the
// kernel asks of the hardware, and time moves only when the test says so.
#pragma once

#include "os/hal.hpp"

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace smp::os {

// Records IPIs, switches and accesses; halting or spinning on a condition that is false throws.
struct FakeHal : Hal {
    Cycle clock = 0;
    std::vector<std::pair<int, int>> ipis;
    std::vector<std::pair<int, int>> switches;
    std::size_t accesses = 0;
    std::vector<std::pair<KAccess, Addr>> access_log; // every access, in order

    Cycle now(int) override { return clock; }
    Source access(int, KAccess k, Addr a) override {
        ++accesses;
        access_log.emplace_back(k, a);
        return Source::Local;
    }
    void compute(int, Cycle) override {}
    void send_ipi(int from, int to, Irq) override { ipis.emplace_back(from, to); }
    void irq_disable(int) override {}
    void irq_enable(int) override {}
    void halt(int, const std::function<bool()>& until) override {
        if (!until()) throw std::logic_error("fake HAL: halt would block");
    }
    void spin(int, const std::function<bool()>& until) override {
        if (!until()) throw std::logic_error("fake HAL: a lock is held");
    }
    void kick() override {}
    void timer(int, bool) override {}
    Cycle user_compute(int, Cycle, bool) override { return 0; }
    void user_access(int, const Op&) override {}
    void cache_flush(int, const Op&) override {}
    void create_thread(int, std::function<void()>) override {}
    void start_thread(int, int) override {}
    void switch_to(int, int prev, int next) override { switches.emplace_back(prev, next); }
    void exit_to(int, int prev, int next) override { switches.emplace_back(prev, next); }
    void fail(const std::string& why) override { throw std::logic_error(why); }
};

} // namespace smp::os
