#include "workloads/trace_source.hpp"

namespace smp {

bool TraceSource::next(Op& op) {
    if (m_store_pending) {
        m_store_pending = false;
        op.kind = OpKind::Store;
        op.addr = m_rec.addr;
        op.size = m_rec.size;
        return true;
    }
    if (!m_reader->next(m_rec)) return false;
    switch (m_rec.kind) {
    case TraceKind::Instr:
        op.kind = OpKind::IFetch;
        break;
    case TraceKind::Load:
        op.kind = OpKind::Load;
        break;
    case TraceKind::Store:
        op.kind = OpKind::Store;
        break;
    case TraceKind::Modify:
        op.kind = OpKind::Load;
        m_store_pending = true;
        break;
    }
    op.addr = m_rec.addr;
    op.size = m_rec.size;
    return true;
}

std::unique_ptr<OpSource> make_trace_source(const WorkloadConfig& cfg) {
    return std::make_unique<TraceSource>(open_trace(cfg.path, cfg.format));
}

void scan_traces(const WorkloadConfig& program, std::set<std::string>& scanned) {
    for (const WorkloadConfig& step : program.steps)
        scan_traces(step, scanned);
    if (program.kind != "trace" || !scanned.insert(program.format + ":" + program.path).second) {
        return;
    }
    auto reader = open_trace(program.path, program.format);
    TraceRecord r;
    while (reader->next(r)) {
    }
}

} // namespace smp
