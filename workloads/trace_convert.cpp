#include "workloads/trace_convert.hpp"

#include "workloads/trace_reader.hpp"

#include <algorithm>
#include <filesystem>

namespace smp {

BinaryTraceWriter::BinaryTraceWriter(const std::string& path, bool gzip) : m_out(path, gzip) {
    m_out.write(tracefmt::kMagic, sizeof tracefmt::kMagic);
    m_out.write(&tracefmt::kVersion, 1);
}

void BinaryTraceWriter::write(const TraceRecord& r) {
    unsigned char* p = m_out.reserve(tracefmt::kMaxRecordBytes);
    const bool inline_size = r.size <= tracefmt::kInlineSizeMax;
    *p++ = tracefmt::tag(r.kind, inline_size ? r.size : tracefmt::kSizeEscape);
    if (!inline_size) p = tracefmt::put_varint(p, r.size);
    std::uint64_t& prev = m_prev[tracefmt::is_data(r.kind) ? 1 : 0];
    p = tracefmt::put_varint(p, tracefmt::zigzag(r.addr - prev));
    prev = r.addr;
    m_out.advance(p);
    ++m_records;
}

void BinaryTraceWriter::finish() {
    unsigned char* p = m_out.reserve(1 + tracefmt::kMaxVarintBytes);
    *p++ = tracefmt::kEndTag;
    m_out.advance(tracefmt::put_varint(p, m_records));
    m_out.close();
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

std::uint64_t convert_trace(const std::string& in, const std::string& out,
                            const std::string& from) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(out, ec) && fs::equivalent(in, out, ec)) {
        throw TraceError(out + ": the output would overwrite the input");
    }
    auto reader = open_trace(in, from);
    try {
        BinaryTraceWriter writer(out, ends_with(out, ".gz"));
        TraceRecord r;
        while (reader->next(r))
            writer.write(r);
        writer.finish();
        return writer.records();
    } catch (...) {
        fs::remove(out, ec);
        throw;
    }
}

TraceSummary summarize_trace(const std::string& path, const std::string& format) {
    auto reader = open_trace(path, format);
    TraceSummary s;
    s.format = trace_format_name(reader->format());
    s.gzip = reader->gzip();
    TraceRecord r;
    while (reader->next(r)) {
        const int k = static_cast<int>(r.kind);
        const int stream = tracefmt::is_data(r.kind) ? 1 : 0;
        ++s.by_kind[k];
        s.bytes_by_kind[k] += r.size;
        s.lo[stream] = std::min(s.lo[stream], r.addr);
        s.hi[stream] = std::max(s.hi[stream], r.addr + r.size);
    }
    s.records = reader->records();
    return s;
}

} // namespace smp
