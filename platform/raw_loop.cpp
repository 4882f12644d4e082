#include "platform/raw_loop.hpp"

#include "models/cache/mesi.hpp"
#include "models/cache/tag_array.hpp"
#include "os/workload.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace smp {

namespace {

// One level's tag array with the simulator's lookup-fill-evict steps.
struct Level {
    TagArray tags;
    Level(const CacheConfig& c, std::uint64_t seed)
        : tags(static_cast<std::uint64_t>(c.size / (c.ways * c.line)),
               static_cast<std::uint32_t>(c.ways), parse_replacement(c.replacement), seed) {}

    // The line's way, or -1; a hit is touched.
    int lookup(Addr line) {
        const int w = tags.find(line);
        if (w >= 0) tags.touch(tags.set_of(line), static_cast<std::uint32_t>(w));
        return w;
    }
    // Fills `line` in state s (evicting the victim); returns the evicted line (0: none).
    Addr fill(Addr line, mesi::State s) {
        const std::uint64_t set = tags.set_of(line);
        const std::uint32_t w = tags.victim(set);
        LineInfo& l = tags.at(set, w);
        Addr evicted = 0;
        if (l.valid()) {
            evicted = l.line;
            l.state = mesi::transition(l.state, mesi::Event::Evict).next;
        }
        l.line = line;
        l.state = s;
        tags.touch(set, w);
        return evicted;
    }
    mesi::State state(Addr line) const {
        const int w = tags.find(line);
        return w < 0 ? mesi::State::I
                     : tags.at(tags.set_of(line), static_cast<std::uint32_t>(w)).state;
    }
    void set_state(Addr line, mesi::State s) {
        const int w = tags.find(line);
        if (w >= 0) tags.at(tags.set_of(line), static_cast<std::uint32_t>(w)).state = s;
    }
};

struct Cpu {
    std::unique_ptr<Level> l1, l2;
    int socket = 0;
};

} // namespace

RawLoopResult raw_loop(const SystemConfig& cfg) {
    const unsigned line_bits = log2_floor(static_cast<std::uint64_t>(cfg.l1d.line));
    const auto ncpus = static_cast<std::size_t>(cfg.cpus());
    const std::int64_t per_socket = cfg.topology.cores_per_socket * cfg.topology.threads_per_core;
    std::vector<Cpu> cpus(ncpus);
    for (std::size_t c = 0; c < ncpus; ++c) {
        cpus[c].l1 = std::make_unique<Level>(cfg.l1d, cfg.seed + c);
        if (cfg.l2.enabled) cpus[c].l2 = std::make_unique<Level>(cfg.l2, cfg.seed + 100 + c);
        cpus[c].socket = static_cast<int>(static_cast<std::int64_t>(c) / per_socket);
    }
    std::vector<std::unique_ptr<Level>> llcs;
    if (cfg.llc.enabled) {
        for (std::int64_t s = 0; s < cfg.topology.sockets; ++s)
            llcs.push_back(std::make_unique<Level>(cfg.llc, cfg.seed + 1000 + std::uint64_t(s)));
    }
    // The tasks' streams, as the simulator builds them (bare metal: first CPU, same seed).
    struct Stream {
        std::unique_ptr<OpSource> src;
        std::size_t cpu;
        Addr space; // address-space tag: tasks that are threads of one share it
        bool done = false;
    };
    std::vector<Stream> streams;
    for (std::size_t i = 0; i < cfg.tasks.size(); ++i) {
        const TaskConfig& t = cfg.tasks[i];
        ProgramEnv env;
        env.line_bytes = static_cast<std::uint32_t>(cfg.l1d.line);
        env.freq_ghz = cfg.freq_ghz;
        const std::uint64_t seed = static_cast<std::uint64_t>(cfg.seed) * 0x100000001B3ull + i;
        std::size_t owner = i;
        for (std::size_t j = 0; j < i; ++j)
            if (!t.threads_of.empty() && cfg.tasks[j].name == t.threads_of) owner = j;
        streams.push_back(Stream{make_workload(t.workload, env, seed),
                                 static_cast<std::size_t>(t.cpus.empty() ? 0 : t.cpus.front()),
                                 Addr(owner) << 48});
    }

    RawLoopResult r;
    const auto t0 = std::chrono::steady_clock::now();
    // A store's exclusive ownership: every other CPU's copies go (and the other sockets' LLC).
    auto invalidate_others = [&](std::size_t self, Addr line) {
        for (std::size_t c = 0; c < ncpus; ++c) {
            if (c == self) continue;
            for (Level* lv : {cpus[c].l1.get(), cpus[c].l2.get()}) {
                if (!lv || lv->state(line) == mesi::State::I) continue;
                lv->set_state(line,
                              mesi::transition(lv->state(line), mesi::Event::SnoopInvalidate).next);
                ++r.invalidations;
            }
        }
    };
    auto others_hold = [&](std::size_t self, Addr line) {
        for (std::size_t c = 0; c < ncpus; ++c) {
            if (c == self) continue;
            if (cpus[c].l1->state(line) != mesi::State::I) return true;
            if (cpus[c].l2 && cpus[c].l2->state(line) != mesi::State::I) return true;
        }
        return false;
    };
    Op op;
    std::size_t live = streams.size();
    while (live > 0) {
        for (Stream& s : streams) {
            if (s.done) continue;
            if (!s.src->next(op)) {
                s.done = true;
                --live;
                continue;
            }
            if (op.kind != OpKind::Load && op.kind != OpKind::Store) continue;
            ++r.accesses;
            const Addr line = (s.space | op.addr) >> line_bits;
            const bool store = op.kind == OpKind::Store;
            Cpu& cpu = cpus[s.cpu];
            const int w = cpu.l1->lookup(line);
            if (w >= 0) {
                const mesi::Transition t = mesi::transition(
                    cpu.l1->state(line), store ? mesi::Event::Store : mesi::Event::Load);
                if (t.actions & mesi::kIssueUpgrade) {
                    invalidate_others(s.cpu, line);
                    cpu.l1->set_state(line, mesi::State::M);
                    if (cpu.l2) cpu.l2->set_state(line, mesi::State::M);
                } else {
                    cpu.l1->set_state(line, t.next);
                }
                continue;
            }
            ++r.l1_misses;
            bool below = true;
            if (cpu.l2) {
                below = cpu.l2->lookup(line) < 0;
                if (below) ++r.l2_misses;
            }
            if (below && !llcs.empty()) {
                Level& llc = *llcs[static_cast<std::size_t>(cpu.socket)];
                if (llc.lookup(line) < 0) {
                    ++r.llc_misses;
                    llc.fill(line, mesi::State::E);
                }
            }
            mesi::State granted = mesi::State::E;
            if (store) {
                invalidate_others(s.cpu, line);
                granted = mesi::State::M;
            } else if (others_hold(s.cpu, line)) {
                granted = mesi::State::S;
            }
            if (cpu.l2 && below) cpu.l2->fill(line, granted);
            cpu.l1->fill(line, granted);
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace smp
