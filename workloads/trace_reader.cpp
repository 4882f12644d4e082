#include "workloads/trace_reader.hpp"

#include "models/common/config_error.hpp"

#include <cstring>

namespace smp {

namespace {

int hex_digit(unsigned char c) {
    if (static_cast<unsigned>(c - '0') < 10u) return c - '0';
    c |= 0x20; // lower case
    if (static_cast<unsigned>(c - 'a') < 6u) return c - 'a' + 10;
    return -1;
}

bool blank(char c) {
    return c == ' ' || c == '\t';
}

// [b, e) for a message: at most 32 characters, the unprintable ones as \xNN.
std::string shown(const char* b, const char* e) {
    static const char* const digits = "0123456789abcdef";
    std::string s;
    for (const char* p = b; p < e; ++p) {
        if (p - b == 32) return s + "...";
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x20 && c < 0x7F) {
            s += static_cast<char>(c);
        } else {
            s += "\\x";
            s += digits[c >> 4];
            s += digits[c & 15];
        }
    }
    return s;
}

std::string hex(std::uint64_t v) {
    static const char* const digits = "0123456789abcdef";
    std::string s;
    do {
        s.insert(s.begin(), digits[v & 15]);
        v >>= 4;
    } while (v);
    return "0x" + s;
}

// Reads until the window holds `n` bytes or the file has ended.
void fill_to(TraceInput& in, std::size_t n) {
    while (in.available() < n && in.refill() > 0) {
    }
}

bool starts_with_magic(TraceInput& in) {
    fill_to(in, sizeof tracefmt::kMagic);
    const std::size_t n = std::min(in.available(), sizeof tracefmt::kMagic);
    return n > 0 && std::memcmp(in.begin(), tracefmt::kMagic, n) == 0;
}

std::string check_address(std::uint64_t addr, std::uint32_t size) {
    if (addr < kTraceAddrLimit && addr + size <= kTraceAddrLimit) return "";
    return "address " + hex(addr) + " (+" + std::to_string(size) +
           " bytes) is not below 2^47 (user virtual addresses must be below 0x800000000000)";
}

} // namespace

void TraceReader::fail(const std::string& what) const {
    throw TraceError(where() + ": " + what);
}

LackeyReader::LackeyReader(TraceInput in) : TraceReader(std::move(in)) {
    if (starts_with_magic(m_in)) {
        throw TraceError(path() + ": this is an smpsim binary trace, not lackey text (use format "
                                  "'binary' or 'auto')");
    }
}

std::string LackeyReader::where() const {
    return path() + ":" + std::to_string(m_line);
}

bool LackeyReader::next_line(const char*& b, const char*& e) {
    for (;;) {
        const std::size_t avail = m_in.available();
        if (m_scanned < avail) {
            const char* start = m_in.begin();
            const void* nl = std::memchr(start + m_scanned, '\n', avail - m_scanned);
            if (nl) {
                b = start;
                e = static_cast<const char*>(nl);
                m_in.consume(static_cast<std::size_t>(e - b) + 1);
                m_scanned = 0;
                ++m_line;
                return true;
            }
            m_scanned = avail;
        }
        if (m_in.full()) {
            ++m_line;
            fail("line longer than " + std::to_string(m_in.capacity()) +
                 " bytes (not a lackey trace?)");
        }
        if (m_in.refill() > 0) continue;
        if (!m_in.error().empty()) {
            ++m_line;
            fail(m_in.error());
        }
        if (avail == 0) return false;
        b = m_in.begin(); // the last line, without a newline
        e = b + avail;
        m_in.consume(avail);
        m_scanned = 0;
        ++m_line;
        return true;
    }
}

bool LackeyReader::next(TraceRecord& r) {
    const char* b;
    const char* e;
    while (next_line(b, e)) {
        if (parse(b, e, r)) {
            ++m_records;
            return true;
        }
    }
    return false;
}

bool LackeyReader::parse(const char* p, const char* e, TraceRecord& r) const {
    while (e > p && (blank(e[-1]) || e[-1] == '\r'))
        --e;
    if (p == e) return false;
    if (e - p >= 2 && ((p[0] == '=' && p[1] == '=') || (p[0] == '-' && p[1] == '-'))) return false;
    while (p < e && blank(*p))
        ++p;
    const char* q = p;
    while (q < e && !blank(*q))
        ++q;
    const char k = q - p == 1 ? *p : '?';
    switch (k) {
    case 'I':
        r.kind = TraceKind::Instr;
        break;
    case 'L':
        r.kind = TraceKind::Load;
        break;
    case 'S':
        r.kind = TraceKind::Store;
        break;
    case 'M':
        r.kind = TraceKind::Modify;
        break;
    default:
        fail("unknown record kind '" + shown(p, q) + "' (expected I, L, S or M)");
    }
    for (p = q; p < e && blank(*p);)
        ++p;
    for (q = p; q < e && *q != ',' && !blank(*q);)
        ++q;
    if (q == p) fail("missing address");
    if (q - p > 16) fail("bad hex address '" + shown(p, q) + "' (more than 64 bits)");
    std::uint64_t addr = 0;
    for (const char* c = p; c < q; ++c) {
        const int d = hex_digit(static_cast<unsigned char>(*c));
        if (d < 0) fail("bad hex address '" + shown(p, q) + "'");
        addr = addr << 4 | static_cast<unsigned>(d);
    }
    for (p = q; p < e && blank(*p);)
        ++p;
    if (p == e || *p != ',') fail("missing size after the address");
    for (++p; p < e && blank(*p);)
        ++p;
    if (p == e) fail("missing size after the address");
    std::uint64_t size = 0;
    for (q = p; q < e && static_cast<unsigned>(*q - '0') < 10u; ++q) {
        if (size <= kTraceMaxSize) size = size * 10 + static_cast<unsigned>(*q - '0');
    }
    if (q == p || (q < e && !blank(*q))) {
        while (q < e && !blank(*q))
            ++q;
        fail("bad size '" + shown(p, q) + "'");
    }
    if (size > kTraceMaxSize) {
        fail("size " + shown(p, q) + " is too large (at most " + std::to_string(kTraceMaxSize) +
             " bytes)");
    }
    for (p = q; p < e && blank(*p);)
        ++p;
    if (p != e) fail("unexpected text after the size: '" + shown(p, e) + "'");
    const std::string bad = check_address(addr, static_cast<std::uint32_t>(size));
    if (!bad.empty()) fail(bad);
    r.addr = addr;
    r.size = static_cast<std::uint32_t>(size);
    return true;
}

BinaryReader::BinaryReader(TraceInput in) : TraceReader(std::move(in)) {
    fill_to(m_in, tracefmt::kHeaderBytes);
    const auto* h = reinterpret_cast<const unsigned char*>(m_in.begin());
    const std::size_t n = m_in.available();
    if (n < sizeof tracefmt::kMagic || std::memcmp(h, tracefmt::kMagic, sizeof tracefmt::kMagic)) {
        if (!m_in.error().empty()) throw TraceError(path() + ": " + m_in.error());
        throw TraceError(path() + ": not an smpsim binary trace (" +
                         (n == 0 ? std::string("empty file") : "bad magic") + ")");
    }
    if (n < tracefmt::kHeaderBytes) throw TraceError(path() + ": truncated header");
    if (h[8] != tracefmt::kVersion) {
        throw TraceError(path() + ": binary trace version " + std::to_string(h[8]) +
                         ", this build reads version " + std::to_string(tracefmt::kVersion));
    }
    m_in.consume(tracefmt::kHeaderBytes);
}

std::string BinaryReader::where() const {
    return path() + ": record " + std::to_string(m_records) + " at byte " +
           std::to_string(m_in.offset());
}

bool BinaryReader::next(TraceRecord& r) {
    if (m_done) return false;
    if (m_in.available() < tracefmt::kMaxRecordBytes) fill_to(m_in, tracefmt::kMaxRecordBytes);
    const auto* begin = reinterpret_cast<const unsigned char*>(m_in.begin());
    const unsigned char* end = begin + m_in.available();
    const unsigned char* p = begin;
    const auto need = [this](tracefmt::VarintResult res, const char* what) {
        if (res == tracefmt::VarintResult::Ok) return;
        if (res == tracefmt::VarintResult::TooLong) fail(std::string("bad varint ") + what);
        fail(m_in.error().empty() ? std::string("truncated record (") + what + ")" : m_in.error());
    };
    if (p == end) {
        fail(m_in.error().empty() ? "the trace ends without its end record (truncated file)"
                                  : m_in.error());
    }
    const unsigned char tag = *p++;
    if (tag == tracefmt::kEndTag) {
        std::uint64_t count = 0;
        need(tracefmt::get_varint(p, end, count), "count of the end record");
        if (count != m_records) {
            fail("the end record counts " + std::to_string(count) + " records, the trace has " +
                 std::to_string(m_records));
        }
        m_in.consume(static_cast<std::size_t>(p - begin));
        read_end();
        return false;
    }
    if (tag & 0x80) fail("bad record tag " + hex(tag));
    r.kind = static_cast<TraceKind>(tag & 3);
    std::uint64_t v = (tag >> 2) & 31;
    if (v == tracefmt::kSizeEscape) {
        need(tracefmt::get_varint(p, end, v), "size");
        if (v > kTraceMaxSize) {
            fail("size " + std::to_string(v) + " is too large (at most " +
                 std::to_string(kTraceMaxSize) + " bytes)");
        }
    }
    r.size = static_cast<std::uint32_t>(v);
    need(tracefmt::get_varint(p, end, v), "address");
    std::uint64_t& prev = m_prev[tracefmt::is_data(r.kind) ? 1 : 0];
    r.addr = prev + tracefmt::unzigzag(v);
    const std::string bad = check_address(r.addr, r.size);
    if (!bad.empty()) fail(bad);
    prev = r.addr;
    m_in.consume(static_cast<std::size_t>(p - begin));
    ++m_records;
    return true;
}

// After the end record: nothing may follow, and a gzip stream must end cleanly.
void BinaryReader::read_end() {
    fill_to(m_in, 1);
    if (m_in.available() > 0) fail("data after the end record");
    if (!m_in.error().empty()) fail(m_in.error());
    m_done = true;
}

std::unique_ptr<TraceReader> open_trace(const std::string& path, const std::string& format,
                                        std::size_t buffer_bytes) {
    if (format != "auto" && format != "lackey" && format != "binary") {
        throw TraceError(path + ": unknown trace format '" + format +
                         "' (expected auto, lackey or binary)");
    }
    TraceInput in(path, buffer_bytes);
    const bool binary = format == "binary" || (format == "auto" && starts_with_magic(in));
    if (binary) return std::make_unique<BinaryReader>(std::move(in));
    return std::make_unique<LackeyReader>(std::move(in));
}

void check_trace_file(const std::string& field, const std::string& path,
                      const std::string& format) {
    try {
        auto reader = open_trace(path, format, 64 * 1024);
        TraceRecord first;
        reader->next(first);
    } catch (const TraceError& e) {
        throw ConfigError(field, e.what());
    }
}

} // namespace smp
