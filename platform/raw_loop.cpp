#include "platform/raw_loop.hpp"

#include "models/cache/mesi.hpp"
#include "models/cache/tag_array.hpp"
#include "os/workload.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace smp {

namespace {

// One level's tag array with the simulator's lookup and fill steps.
struct Level {
    TagArray tags;
    Level(const CacheConfig& c, std::uint64_t seed)
        : tags(static_cast<std::uint64_t>(c.size / (c.ways * c.line)),
               static_cast<std::uint32_t>(c.ways), parse_replacement(c.replacement), seed) {}

    // The line's entry, or null.
    LineInfo* find(Addr line) {
        const int w = tags.find(line);
        return w < 0 ? nullptr : &tags.at(tags.set_of(line), static_cast<std::uint32_t>(w));
    }
    // find(), and a hit is touched (most recently used).
    LineInfo* lookup(Addr line) {
        const std::uint64_t set = tags.set_of(line);
        const int w = tags.find(line);
        if (w < 0) return nullptr;
        tags.touch(set, static_cast<std::uint32_t>(w));
        return &tags.at(set, static_cast<std::uint32_t>(w));
    }
    // Fills `line` in state s over the victim way.
    void fill(Addr line, mesi::State s) {
        const std::uint64_t set = tags.set_of(line);
        const std::uint32_t w = tags.victim(set);
        LineInfo& l = tags.at(set, w);
        tags.set_line(set, w, line);
        l.state = s;
        tags.touch(set, w);
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
                LineInfo* l = lv ? lv->find(line) : nullptr;
                if (!l) continue;
                l->state = mesi::transition(l->state, mesi::Event::SnoopInvalidate).next;
                ++r.invalidations;
            }
        }
    };
    auto others_hold = [&](std::size_t self, Addr line) {
        for (std::size_t c = 0; c < ncpus; ++c) {
            if (c == self) continue;
            if (cpus[c].l1->find(line)) return true;
            if (cpus[c].l2 && cpus[c].l2->find(line)) return true;
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
            if (LineInfo* hit = cpu.l1->lookup(line)) { // one tag lookup per hit, as the L1's
                LineInfo& l = *hit;
                const mesi::Transition t =
                    mesi::transition(l.state, store ? mesi::Event::Store : mesi::Event::Load);
                if (t.actions & mesi::kIssueUpgrade) {
                    invalidate_others(s.cpu, line);
                    l.state = mesi::State::M;
                    if (LineInfo* l2 = cpu.l2 ? cpu.l2->find(line) : nullptr)
                        l2->state = mesi::State::M;
                } else {
                    l.state = t.next;
                }
                continue;
            }
            ++r.l1_misses;
            bool below = true;
            if (cpu.l2) {
                below = cpu.l2->lookup(line) == nullptr;
                if (below) ++r.l2_misses;
            }
            if (below && !llcs.empty()) {
                Level& llc = *llcs[static_cast<std::size_t>(cpu.socket)];
                if (!llc.lookup(line)) {
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
