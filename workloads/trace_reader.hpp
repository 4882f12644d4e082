// Streaming readers of memory traces: valgrind lackey text and smpsim's binary format, each plain
// or gzip-compressed, read through a fixed window (constant memory whatever the trace's size).
#pragma once

#include "workloads/trace_format.hpp"
#include "workloads/trace_input.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace smp {

enum class TraceFormat : std::uint8_t { Lackey, Binary };

inline const char* trace_format_name(TraceFormat f) {
    return f == TraceFormat::Lackey ? "lackey" : "binary";
}

// Yields a trace's records in order. next() throws TraceError naming the file and the line
// (lackey) or the record index and byte offset (binary) of the first malformed record.
class TraceReader {
public:
    virtual ~TraceReader() = default;
    // The next record; false once the trace has ended.
    virtual bool next(TraceRecord& r) = 0;
    virtual TraceFormat format() const = 0;

    const std::string& path() const { return m_in.path(); }
    bool gzip() const { return m_in.gzip(); }
    std::uint64_t records() const { return m_records; } // returned so far
    std::size_t buffer_bytes() const { return m_in.capacity(); }

protected:
    explicit TraceReader(TraceInput in) : m_in(std::move(in)) {}
    // Where the reader is, for messages: "<path>:<line>" or "<path>: record <i> at byte <o>".
    virtual std::string where() const = 0;
    [[noreturn]] void fail(const std::string& what) const;

    TraceInput m_in;
    std::uint64_t m_records = 0;
};

// valgrind --tool=lackey --trace-mem=yes: "I  04000000,3" (instruction fetch), " L 04a3ca40,8"
// (load), " S ..." (store), " M ..." (modify); hex address without 0x, decimal size. Lines that
// start with "==" or "--" (valgrind's messages) and blank lines are skipped.
class LackeyReader : public TraceReader {
public:
    explicit LackeyReader(TraceInput in);
    bool next(TraceRecord& r) override;
    TraceFormat format() const override { return TraceFormat::Lackey; }
    std::uint64_t line() const { return m_line; }

private:
    std::string where() const override;
    bool next_line(const char*& b, const char*& e);
    bool parse(const char* p, const char* e, TraceRecord& r) const; // false: a line to skip

    std::uint64_t m_line = 0;  // lines read so far: the number of the current line
    std::size_t m_scanned = 0; // bytes of the window known to hold no newline
};

// The binary format of trace_format.hpp.
class BinaryReader : public TraceReader {
public:
    explicit BinaryReader(TraceInput in);
    bool next(TraceRecord& r) override;
    TraceFormat format() const override { return TraceFormat::Binary; }

private:
    std::string where() const override;
    void read_end();

    std::uint64_t m_prev[2] = {0, 0}; // previous address: instruction, data stream
    bool m_done = false;
};

// The format named by `format` ("auto", "lackey" or "binary"); "auto" tells them apart by the
// binary magic at the start of the (decompressed) file. Throws TraceError if the file cannot be
// opened, `format` is none of these, or a binary trace has a bad header.
std::unique_ptr<TraceReader> open_trace(const std::string& path, const std::string& format,
                                        std::size_t buffer_bytes = TraceInput::kDefaultCapacity);

// For WorkloadConfig::validate: the file opens, its format is the one asked for (or, for auto,
// one of them) and its first record reads; throws ConfigError(field, ...) otherwise. Does not
// read the whole trace (see scan_traces in trace_source.hpp).
void check_trace_file(const std::string& field, const std::string& path, const std::string& format);

} // namespace smp
