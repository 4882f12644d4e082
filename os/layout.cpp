#include "os/layout.hpp"

#include <cstdio>

namespace smp::os {

std::string KLayout::describe(Addr a) const {
    auto hex = [](Addr v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
        return std::string(buf);
    };
    if (a < kBase) return hex(a);
    const Addr off = a - kBase;
    if (off < 0x10000) return "text+" + hex(off);
    if (off >= 0x20000 && off < 0x60000) return "stopper[" + std::to_string((off - 0x20000) / kLine) + "]";
    if (off >= 0x60000 && off < 0xA0000) return "mcs[" + std::to_string((off - 0x60000) / kLine) + "]";
    if (off < 0x100000) return "global+" + hex(off - 0x10000);
    if (off < 0x2000000) {
        const Addr r = off - 0x100000;
        const Addr cpu = r / 4096, line = (r % 4096) / kLine;
        static const char* names[] = {"L0", "Curr", "Migration"};
        if (line < 3) return "rq[" + std::to_string(cpu) + "]." + names[line];
        if (line == unsigned(RqLine::Cfs)) return "rq[" + std::to_string(cpu) + "].Cfs";
        static const char* names47[] = {"Wake", "Pelt", "StopWork"};
        if (line >= 60 && line < 63) return "rq[" + std::to_string(cpu) + "]." + names47[line - 60];
        const Addr al = line - 3;
        if (al >= 2 * kArrayLines) { // 2.4.21 prev_cpu_load[]
            return "rq[" + std::to_string(cpu) + "].prev_cpu_load." + std::to_string(al - 2 * kArrayLines);
        }
        return "rq[" + std::to_string(cpu) + "].array" + std::to_string(al / kArrayLines) + "." +
               std::to_string(al % kArrayLines);
    }
    if (off < 0x3000000) {
        const Addr i = (off - 0x2000000) / kLine;
        return "sd[" + std::to_string(i / 4) + "][" + std::to_string(i % 4) + "]";
    }
    if (off < 0x4000000) return "group+" + hex(off - 0x3000000);
    if (off < 0x8000000) {
        const Addr r = off - 0x4000000;
        static const char* names[] = {"Sched", "Time", "Allowed", "Mm", "Thread", "Pi", "Avg"};
        const Addr line = (r % 1024) / kLine;
        return "task[" + std::to_string(r / 1024) + "]." + (line < 7 ? names[line] : std::to_string(line));
    }
    if (off < 0x10000000) {
        const Addr r = off - 0x8000000;
        const Addr pid = r / kStackBytes, in = r % kStackBytes;
        if (in < kLine) return "thread_info[" + std::to_string(pid) + "]";
        const Addr below = (kStackBytes - in + kLine - 1) / kLine;
        const char* f = below == 1 ? "Entry" : below == 2 ? "Switch" : below == 5 ? "StopDone"
                        : below == 6 ? "Req" : below == 7 ? "Wait" : nullptr;
        return "stack[" + std::to_string(pid) + "]." + (f ? f : std::to_string(below));
    }
    if (off < 0x20000000) return "mm[" + std::to_string((off - 0x10000000) / kLine) + "]";
    if (off < 0x30000000) {
        const Addr r = off - 0x20000000;
        const std::string p = "pipe[" + std::to_string(r / 8192) + "]";
        return r % 8192 >= 4096 ? p + ".page+" + hex(r % 4096) : p + "." + std::to_string((r % 8192) / kLine);
    }
    const Addr r = off - 0x30000000;
    return "barrier[" + std::to_string(r / 128) + "]." + std::to_string((r % 128) / kLine);
}

} // namespace smp::os
