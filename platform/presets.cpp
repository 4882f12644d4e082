// Sources for the numbers below:
//  [INTEL-OPT]  Intel 64 and IA-32 Architectures Optimization Reference Manual (load-to-use
//               latencies of Core 2 and Nehalem-class caches).
//  [AMD-K8]     AMD Software Optimization Guide for AMD64 Processors (25112), K8 L1/L2 latencies.
//  [TLB]        Data TLB sizes: Intel's manual above (Nehalem, Core, NetBurst) and AMD's guide
//               (K8); one TLB level is modelled, the first-level DTLB (Core 2: its 256-entry
//               DTLB1, the 16-entry DTLB0 serves loads only).
//  [BOOT]       Linux boot-log machines of reproduction-targets.md section 4 (cache sizes).
//  [LDS07]      Li, Ding, Shen, "Quantifying the Cost of Context Switch", ExpCS 2007: direct
//               context-switch cost 3.8 us (pipe ping-pong, Linux 2.6.17, a 128-byte-line
//               NetBurst-class Xeon); docs/calibration.md derives the kernel budgets from it.
//  [BOOT-FIT]   Fitted so that Linux 2.6.16's boot-time calibration, re-enacted by the guest
//               kernel, prints the machine's published migration_cost= (docs/papers/
//               boot_migration_cost.md).
//  [ASSUMED]    A stated assumption for this generation; issue "calibration" replaces it with a
//               published measurement.
#include "platform/presets.hpp"

namespace smp {

namespace {

CacheConfig cache(std::int64_t size, std::int64_t ways, std::int64_t latency, std::int64_t mshrs,
                  std::int64_t shared_by = 1) {
    CacheConfig c;
    c.size = size;
    c.ways = ways;
    c.latency = latency;
    c.mshrs = mshrs;
    c.shared_by = shared_by;
    return c;
}

// The out-of-order cores of the machines whose boot logs the presets are compared with: the
// published migration costs need their overlap (a blocking core overstates them 3-10x,
// docs/papers/boot_migration_cost.md). Two load misses in flight [BOOT-FIT: K8's 177-229 and
// 400 us], an 8-entry store buffer [ASSUMED].
CoreConfig out_of_order() {
    CoreConfig c;
    c.mlp = 2;
    c.store_buffer = 8;
    return c;
}

// Every kernel budget times k (rounded): a processor generation whose kernel paths run slower
// or faster than the defaults' as a whole.
os::KernelCosts scaled_costs(double k) {
    os::KernelCosts c;
    os::visit_costs(c, [k](const char*, std::int64_t& v) {
        v = static_cast<std::int64_t>(static_cast<double>(v) * k + 0.5);
    });
    return c;
}

TlbConfig tlb(std::int64_t entries, std::int64_t ways) {
    TlbConfig t;
    t.entries = entries;
    t.ways = ways;
    return t;
}

constexpr std::int64_t KiB = 1024;
constexpr std::int64_t MiB = 1024 * 1024;

// 4 cores, 2 GHz, Nehalem-like private L1/L2 and an inclusive shared 8 MiB LLC.
SystemConfig quad() {
    SystemConfig c;
    c.name = "quad";
    c.topology = {1, 4, 1};
    c.freq_ghz = 2.0;
    c.l1i = cache(32 * KiB, 8, 4, 8);    // 4-cycle L1 [INTEL-OPT, Nehalem]
    c.l1d = cache(32 * KiB, 8, 4, 10);
    c.l2 = cache(256 * KiB, 8, 10, 16);  // +10 cycles on an L1 miss (~14 load-to-use) [INTEL-OPT]
    c.llc = cache(8 * MiB, 16, 26, 32, 0); // ~40 cycles load-to-use in total [INTEL-OPT]
    c.bus = {5.0, 15.0, 2.0};            // on-die ring/bus; c2c ~ 60 cycles total [ASSUMED]
    c.memory.latency_ns = 60.0;          // integrated controller, unloaded [INTEL-OPT]
    c.memory.bandwidth_gbps = 12.8;      // one DDR3-1600 channel [ASSUMED]
    // c.memory.model = "dram";          // banks and row buffers instead: DramConfig's defaults
    //                                   // are this DDR3-1600 channel (docs/memory.md)
    c.tlb = tlb(64, 4);                  // Nehalem L1 DTLB [TLB]
    return c;
}

// Xeon 5130 (Woodcrest) 2.0 GHz: 2 cores sharing a 4 MiB 16-way L2 [BOOT], here the socket's llc.
SystemConfig core2_duo() {
    SystemConfig c;
    c.name = "core2_duo";
    c.topology = {1, 2, 1};
    c.freq_ghz = 2.0;
    c.l1i = cache(32 * KiB, 8, 3, 8);    // 3-cycle L1 [INTEL-OPT, Core]
    c.l1d = cache(32 * KiB, 8, 3, 8);
    c.l2.enabled = false;
    c.llc = cache(4 * MiB, 16, 11, 16, 0); // 14-cycle shared L2 load-to-use [INTEL-OPT, Core]
    c.llc.inclusive = false;             // Core 2's L2 does not back-invalidate the L1s
    c.bus = {4.0, 25.0, 2.0};            // a modified line from the other L1 [BOOT-FIT]
    c.core = out_of_order();
    c.memory.latency_ns = 90.0;          // FSB + northbridge DRAM access [ASSUMED]
    c.memory.bandwidth_gbps = 10.6;      // 1333 MT/s front-side bus
    c.tlb = tlb(256, 4);                 // Core DTLB1, 256 entries 4-way [TLB]
    return c;
}

// Athlon 64 X2 4200+ 2.2 GHz: 2 cores, private 512 KiB 16-way L2 each [BOOT], no L3.
SystemConfig athlon_x2() {
    SystemConfig c;
    c.name = "athlon_x2";
    c.topology = {1, 2, 1};
    c.freq_ghz = 2.2;
    c.l1i = cache(64 * KiB, 2, 3, 8);    // 64 KiB 2-way, 3 cycles [AMD-K8]
    c.l1d = cache(64 * KiB, 2, 3, 8);
    c.l2 = cache(512 * KiB, 16, 9, 16);  // 12 cycles load-to-use [AMD-K8]
    c.l2.inclusive = false;              // K8's L2 is a victim cache of the L1 (non-inclusive)
    c.llc.enabled = false;
    c.bus = {10.0, 20.0, 3.0};           // system request queue / crossbar probe [ASSUMED]
    c.core = out_of_order();
    c.memory.latency_ns = 60.0;          // on-die memory controller [AMD-K8]
    c.memory.bandwidth_gbps = 6.4;       // dual-channel DDR-400
    c.tlb = tlb(32, 32);                 // K8 L1 DTLB, 32 entries fully associative [TLB]
    return c;
}

// Two dual-core Opteron 275 (2.2 GHz): 2 sockets x 2 cores, private 1 MiB L2 [BOOT], NUMA.
SystemConfig opteron_2x2() {
    SystemConfig c = athlon_x2();
    c.name = "opteron_2x2";
    c.topology = {2, 2, 1};
    c.l2 = cache(1 * MiB, 16, 9, 16);
    c.l2.inclusive = false;
    c.link.latency_ns = 45.0;            // one HyperTransport hop [ASSUMED]
    return c;
}

// Dual-socket Xeon with Hyper-Threading (2.8 GHz): 2 sockets x 1 core x 2 threads; the two
// threads share L1 and the 1 MiB L2 [BOOT, "P4 2.8 GHz HT siblings, L2 1 MB shared"].
SystemConfig smt_quad() {
    SystemConfig c;
    c.name = "smt_quad";
    c.topology = {2, 1, 2};
    c.freq_ghz = 2.8;
    c.l1i = cache(16 * KiB, 8, 4, 4, 2); // trace cache approximated as a 16 KiB L1I [ASSUMED]
    c.l1d = cache(16 * KiB, 8, 4, 8, 2); // Prescott: 16 KiB 8-way, 4 cycles [INTEL-OPT]
    c.l2 = cache(1 * MiB, 8, 18, 16, 2); // ~22 cycles load-to-use [INTEL-OPT, NetBurst]
    c.llc.enabled = false;
    c.bus = {15.0, 30.0, 5.0};           // shared front-side bus [ASSUMED]
    c.link.latency_ns = 30.0;            // same FSB between the packages [ASSUMED]
    c.memory.latency_ns = 110.0;         // FSB + northbridge [ASSUMED]
    c.memory.bandwidth_gbps = 6.4;       // 800 MT/s front-side bus
    c.tlb = tlb(64, 64);                 // NetBurst DTLB, 64 entries fully associative, here
                                         // per thread (the hardware shares it) [TLB]
    // NetBurst's kernel entries and switches are slow: 8x the default budgets make the direct
    // cost of a pipe ping-pong switch 3.8 us, as measured [LDS07] (docs/calibration.md).
    c.kernel.costs = scaled_costs(8.0);
    return c;
}

// 64 cores in 4 sockets of 16, 2.5 GHz, private L1/L2, 16 MiB LLC per socket.
SystemConfig manycore_64() {
    SystemConfig c = quad();
    c.name = "manycore_64";
    c.topology = {4, 16, 1};
    c.freq_ghz = 2.5;
    c.l2 = cache(512 * KiB, 8, 12, 16);
    c.llc = cache(16 * MiB, 16, 30, 64, 0);
    c.bus = {8.0, 20.0, 1.0, true};      // ring stop to ring stop, with a snoop filter [ASSUMED]
    c.link.latency_ns = 50.0;            // one socket-to-socket hop [ASSUMED]
    c.memory.latency_ns = 80.0;
    c.memory.bandwidth_gbps = 25.6;
    return c;
}

} // namespace

std::vector<std::string> preset_names() {
    return {"quad", "core2_duo", "athlon_x2", "opteron_2x2", "smt_quad", "manycore_64"};
}

SystemConfig preset(const std::string& name) {
    if (name == "quad") return quad();
    if (name == "core2_duo") return core2_duo();
    if (name == "athlon_x2") return athlon_x2();
    if (name == "opteron_2x2") return opteron_2x2();
    if (name == "smt_quad") return smt_quad();
    if (name == "manycore_64") return manycore_64();
    std::string all;
    for (const auto& n : preset_names()) all += (all.empty() ? "" : ", ") + n;
    throw ConfigError("preset", "unknown preset '" + name + "'; known: " + all);
}

} // namespace smp
