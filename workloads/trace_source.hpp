// Trace replay as a task's program: the records of a trace file as memory operations.
#pragma once

#include "models/common/op.hpp"
#include "os/workload_config.hpp"
#include "workloads/trace_reader.hpp"

#include <memory>
#include <set>
#include <string>

namespace smp {

// Replays a trace, one access a record: I is an instruction fetch (the L1I), L a load, S a
// store, M a load then a store of the same bytes. An access that straddles cache lines touches
// each of them (the core splits it). An empty trace yields nothing: the task exits at once.
class TraceSource : public OpSource {
public:
    explicit TraceSource(std::unique_ptr<TraceReader> reader) : m_reader(std::move(reader)) {}
    bool next(Op& op) override;

private:
    std::unique_ptr<TraceReader> m_reader;
    bool m_store_pending = false; // the store half of an M record
    TraceRecord m_rec;
};

// The replay of a "trace" step (cfg.path in cfg.format); throws TraceError if it cannot open.
std::unique_ptr<OpSource> make_trace_source(const WorkloadConfig& cfg);

// Reads to its end every trace that `program` (or any of its steps) replays and that is not in
// `scanned` (then adds it), so that a malformed record throws TraceError, naming the file and
// line, before a simulation starts rather than in its middle.
void scan_traces(const WorkloadConfig& program, std::set<std::string>& scanned);

} // namespace smp
