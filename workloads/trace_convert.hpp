// Writing the binary trace format, conversion of any trace to it, and a trace's summary.
#pragma once

#include "workloads/trace_format.hpp"
#include "workloads/trace_input.hpp"

#include <cstdint>
#include <string>

namespace smp {

// Writes records in the binary format of trace_format.hpp, gzip-compressed or plain. The file
// is complete (it has its end record) only once finish() has returned.
class BinaryTraceWriter {
public:
    BinaryTraceWriter(const std::string& path, bool gzip);
    void write(const TraceRecord& r);
    void finish();
    std::uint64_t records() const { return m_records; }

private:
    TraceOutput m_out;
    std::uint64_t m_prev[2] = {0, 0}; // previous address: instruction, data stream
    std::uint64_t m_records = 0;
};

// Converts the trace `in` (format `from`: auto, lackey or binary) to the binary format in `out`,
// gzip-compressed when `out` ends in ".gz"; returns the records written. On an error (a
// malformed record: TraceError naming the file and line) `out` is removed.
std::uint64_t convert_trace(const std::string& in, const std::string& out,
                            const std::string& from = "auto");

// Record counts and address ranges of a trace (read to its end).
struct TraceSummary {
    std::string format; // lackey | binary
    bool gzip = false;
    std::uint64_t records = 0;
    std::uint64_t by_kind[4] = {}; // I, L, S, M
    std::uint64_t bytes_by_kind[4] = {};
    // [lo, hi): lowest address and highest address + size of the instruction (0) and data (1)
    // records; lo > hi when there is none.
    std::uint64_t lo[2] = {~std::uint64_t(0), ~std::uint64_t(0)};
    std::uint64_t hi[2] = {0, 0};
};

TraceSummary summarize_trace(const std::string& path, const std::string& format = "auto");

} // namespace smp
