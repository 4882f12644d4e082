// Unit tests for the trace readers, the binary format and its writer (workloads/).
// Every expected record, count and line number is written out by hand from the input text.
#include "os/workload_config.hpp"
#include "workloads/trace_convert.hpp"
#include "workloads/trace_reader.hpp"
#include "workloads/trace_source.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>
#include <zlib.h>

namespace smp {
namespace {

namespace fs = std::filesystem;

TraceRecord rec(TraceKind k, std::uint64_t addr, std::uint32_t size) {
    TraceRecord r;
    r.kind = k;
    r.addr = addr;
    r.size = size;
    return r;
}

class TraceFiles : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir = fs::temp_directory_path() /
                ("smpsim-trace-" + std::to_string(::getpid()) + "-" + info->name());
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::string file(const std::string& name, const std::string& bytes) {
        const std::string p = (m_dir / name).string();
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }
    std::string gz(const std::string& name, const std::string& bytes) {
        const std::string p = (m_dir / name).string();
        gzFile f = gzopen(p.c_str(), "wb");
        gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
        gzclose(f);
        return p;
    }
    std::string path(const std::string& name) const { return (m_dir / name).string(); }
    static std::string bytes_of(const std::string& p) {
        std::ifstream f(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }

    static std::vector<TraceRecord> read_all(const std::string& p, const std::string& fmt = "auto",
                                             std::size_t buffer = TraceInput::kDefaultCapacity) {
        auto r = open_trace(p, fmt, buffer);
        std::vector<TraceRecord> out;
        TraceRecord x;
        while (r->next(x))
            out.push_back(x);
        EXPECT_EQ(r->records(), out.size());
        return out;
    }
    // The message of the TraceError that reading `p` to its end throws ("" if none).
    static std::string error_of(const std::string& p, const std::string& fmt = "auto") {
        try {
            read_all(p, fmt);
        } catch (const TraceError& e) {
            return e.what();
        }
        return "";
    }

    fs::path m_dir;
};

const char* const kSample = "==123== Lackey, an example Valgrind tool\n"
                            "==123== Command: true\n"
                            "\n"
                            "I  04000000,3\n"
                            " L 04a3ca40,8\n"
                            " S 7ff000308,16\n"
                            " M 0421d6f0,4\n"
                            "I  0400003f,2\n"
                            "==123== \n";

const std::vector<TraceRecord> kSampleRecords = {
    rec(TraceKind::Instr, 0x04000000, 3), rec(TraceKind::Load, 0x04a3ca40, 8),
    rec(TraceKind::Store, 0x7ff000308, 16), rec(TraceKind::Modify, 0x0421d6f0, 4),
    rec(TraceKind::Instr, 0x0400003f, 2)};

// ---- Lackey text ---------------------------------------------------------------------------

TEST_F(TraceFiles, LackeyReadsEachKindAndSkipsValgrindLines) {
    const auto p = file("t.lackey", kSample);
    EXPECT_EQ(read_all(p, "lackey"), kSampleRecords);
    EXPECT_EQ(read_all(p, "auto"), kSampleRecords);
    EXPECT_EQ(open_trace(p, "auto")->format(), TraceFormat::Lackey);
}

TEST_F(TraceFiles, LackeyAcceptsCrlfTrailingBlanksDebugLinesAndNoFinalNewline) {
    const auto p =
        file("t.lackey", "--77-- a debug line\r\n L 10,1  \r\n\t\r\n S FFfe,0\r\nI 5,64");
    EXPECT_EQ(read_all(p), (std::vector<TraceRecord>{rec(TraceKind::Load, 0x10, 1),
                                                     rec(TraceKind::Store, 0xfffe, 0),
                                                     rec(TraceKind::Instr, 0x5, 64)}));
}

TEST_F(TraceFiles, LackeySizesUpToTheLimitAndStraddlingAccessesKeepAddressAndSize) {
    // 0x103e + 4 crosses the 64-byte line boundary at 0x1040: the record is kept whole (the
    // core splits it by line).
    const auto p = file("t.lackey", " L 103e,4\n S 0,4096\n L 7fffffffffc0,64\n");
    EXPECT_EQ(read_all(p), (std::vector<TraceRecord>{rec(TraceKind::Load, 0x103e, 4),
                                                     rec(TraceKind::Store, 0, 4096),
                                                     rec(TraceKind::Load, 0x7fffffffffc0, 64)}));
}

TEST_F(TraceFiles, EmptyTracesHaveNoRecords) {
    EXPECT_TRUE(read_all(file("empty.lackey", "")).empty());
    EXPECT_TRUE(read_all(file("messages.lackey", "==1== only\n\n==1== messages\n")).empty());
    EXPECT_TRUE(read_all(gz("empty.lackey.gz", "")).empty());
}

struct BadLine {
    const char* text;
    const char* message; // after "<path>:"
};

TEST_F(TraceFiles, MalformedLinesNameFileAndLine) {
    const std::string head = "==1== header\n\nI  04000000,3\n"; // lines 1-3 are fine
    const BadLine cases[] = {
        {" L zz12,8\n", "4: bad hex address 'zz12'"},
        {" L 12zz,8\n", "4: bad hex address '12zz'"},
        {" X 1234,8\n", "4: unknown record kind 'X'"},
        {"Load 1234,8\n", "4: unknown record kind 'Load'"},
        {"I04000000,3\n", "4: unknown record kind 'I04000000,3'"},
        {" L 1234\n", "4: missing size after the address"},
        {" L 1234,\n", "4: missing size after the address"},
        {" L 1234 8\n", "4: missing size after the address"},
        {" L\n", "4: missing address"},
        {" L 1234,8x\n", "4: bad size '8x'"},
        {" L 1234,-8\n", "4: bad size '-8'"},
        {" L 1234,8 9\n", "4: unexpected text after the size: '9'"},
        {" L 1234,4097\n", "4: size 4097 is too large"},
        {" L 11112222333344445,8\n", "4: bad hex address '11112222333344445' (more than 64 bits)"},
        {" L 800000000000,8\n", "4: address 0x800000000000 (+8 bytes) is not below 2^47"},
        {" S 7ffffffffffc,8\n", "4: address 0x7ffffffffffc (+8 bytes) is not below 2^47"},
    };
    for (const BadLine& c : cases) {
        SCOPED_TRACE(c.text);
        const auto p = file("bad.lackey", head + c.text + " L 10,8\n");
        const std::string err = error_of(p);
        EXPECT_EQ(err.rfind(p + ":" + c.message, 0), 0u) << err;
        const auto g = gz("bad.lackey.gz", head + c.text);
        const std::string gerr = error_of(g);
        EXPECT_EQ(gerr.rfind(g + ":" + c.message, 0), 0u) << gerr;
    }
}

TEST_F(TraceFiles, GzipLackeyReadsLikePlain) {
    const auto p = gz("t.lackey.gz", kSample);
    EXPECT_TRUE(open_trace(p, "auto")->gzip());
    EXPECT_FALSE(open_trace(file("t.lackey", kSample), "auto")->gzip());
    EXPECT_EQ(read_all(p), kSampleRecords);
}

// Lackey lines "I  <8 hex digits>,<n>" numbered i = 0, 1, ...: address 0x1000 * i, size i % 16.
std::string numbered_lines(int n) {
    std::string text;
    char line[32];
    for (int i = 0; i < n; ++i) {
        std::snprintf(line, sizeof line, "I  %08x,%d\n", 0x1000 * i, i % 16);
        text += line;
    }
    return text;
}

TEST_F(TraceFiles, TruncatedOrCorruptGzipIsAnErrorWithTheLine) {
    const std::string whole = bytes_of(gz("t.lackey.gz", numbered_lines(20000)));
    // Cut in the middle of the compressed data, then just before the 8-byte trailer's end.
    for (std::size_t cut : {whole.size() / 2, whole.size() - 3}) {
        SCOPED_TRACE(cut);
        const auto p = file("cut.lackey.gz", whole.substr(0, cut));
        const std::string err = error_of(p);
        EXPECT_NE(err.find("truncated gzip stream"), std::string::npos) << err;
        EXPECT_EQ(err.rfind(p + ":", 0), 0u) << err;
        const std::size_t line = std::stoul(err.substr(p.size() + 1));
        EXPECT_GT(line, 1u);
        EXPECT_LE(line, 20001u);
    }
    std::string corrupt = whole;
    corrupt[corrupt.size() - 6] ^= 0x55; // the stored CRC no longer matches
    const std::string err = error_of(file("crc.lackey.gz", corrupt));
    EXPECT_NE(err.find("corrupt gzip stream: incorrect data check"), std::string::npos) << err;
}

TEST_F(TraceFiles, LackeyStreamsThroughAFixedSmallWindow) {
    const int n = 100000; // 1.4 MB of text through a 64-byte window
    const auto p = file("big.lackey", numbered_lines(n));
    auto r = open_trace(p, "lackey", 64);
    TraceRecord x;
    int i = 0;
    for (; r->next(x); ++i) {
        ASSERT_EQ(x, rec(TraceKind::Instr, 0x1000ull * unsigned(i), unsigned(i % 16))) << i;
    }
    EXPECT_EQ(i, n);
    EXPECT_EQ(r->buffer_bytes(), 64u);
    EXPECT_GT(fs::file_size(p), 20000 * r->buffer_bytes());
    // A line that does not fit the window is an error, not a reason to grow it.
    const auto q = file("long.lackey", "I  0,1\n" + std::string(100, ' ') + "I  0,1\n");
    auto longr = open_trace(q, "lackey", 64);
    EXPECT_TRUE(longr->next(x));
    try {
        longr->next(x);
        FAIL() << "no error for a 107-byte line";
    } catch (const TraceError& e) {
        EXPECT_EQ(std::string(e.what()), q + ":2: line longer than 64 bytes (not a lackey trace?)");
    }
}

// ---- Binary format -------------------------------------------------------------------------

TEST_F(TraceFiles, ZigzagAndVarints) {
    using namespace tracefmt;
    EXPECT_EQ(zigzag(0), 0u);
    EXPECT_EQ(zigzag(std::uint64_t(-1)), 1u);
    EXPECT_EQ(zigzag(1), 2u);
    EXPECT_EQ(zigzag(std::uint64_t(-2)), 3u);
    EXPECT_EQ(zigzag(std::uint64_t(1) << 62), std::uint64_t(1) << 63);
    for (std::uint64_t v : {std::uint64_t(0), std::uint64_t(5), std::uint64_t(-7),
                            std::uint64_t(1) << 63, ~std::uint64_t(0)}) {
        EXPECT_EQ(unzigzag(zigzag(v)), v);
    }
    unsigned char buf[16];
    EXPECT_EQ(put_varint(buf, 127) - buf, 1);
    EXPECT_EQ(put_varint(buf, 300) - buf, 2);
    EXPECT_EQ(buf[0], 0xAC); // 300 = 0b10_0101100: 0x2C | 0x80, then 0x02
    EXPECT_EQ(buf[1], 0x02);
    EXPECT_EQ(put_varint(buf, ~std::uint64_t(0)) - buf, 10);
    const unsigned char* p = buf;
    std::uint64_t v = 0;
    EXPECT_EQ(get_varint(p, buf + 10, v), VarintResult::Ok);
    EXPECT_EQ(v, ~std::uint64_t(0));
    p = buf;
    EXPECT_EQ(get_varint(p, buf + 9, v), VarintResult::Truncated);
    const unsigned char overlong[11] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                        0xFF, 0xFF, 0xFF, 0x02, 0x00};
    p = overlong;
    EXPECT_EQ(get_varint(p, overlong + 11, v), VarintResult::TooLong);
}

TEST_F(TraceFiles, BinaryLayoutIsAsDocumented) {
    const auto p = path("t.smpt");
    BinaryTraceWriter w(p, false);
    w.write(rec(TraceKind::Instr, 0x1000, 3)); // delta +0x1000: zigzag 0x2000 = 80 40
    w.write(rec(TraceKind::Load, 0x10, 31));   // size escaped; data delta +0x10: zigzag 0x20
    w.write(rec(TraceKind::Instr, 0xFFD, 30)); // delta -3: zigzag 5
    w.finish();
    const std::string expect = std::string("\x89SMPTRC\x1a\x01", 9) +
                               "\x0c\x80\x40" // tag: I | 3 << 2
                               "\x7d\x1f\x20" // tag: L | 31 << 2, size 31
                               "\x78\x05"     // tag: I | 30 << 2
                               "\x80\x03";    // end, 3 records
    EXPECT_EQ(bytes_of(p), expect);
}

TEST_F(TraceFiles, LackeyToBinaryRoundTripsPlainAndGzip) {
    std::string text = kSample;
    text += " L 7fffffffff00,32\n L 0,1\n S 1000,300\n M 103e,8\nI  7fffffff0000,15\n";
    const auto src = gz("t.lackey.gz", text);
    const auto expected = read_all(src);
    ASSERT_EQ(expected.size(), 10u);
    for (const char* out : {"t.smpt", "t.smpt.gz"}) {
        SCOPED_TRACE(out);
        EXPECT_EQ(convert_trace(src, path(out), "lackey"), 10u);
        auto r = open_trace(path(out), "auto");
        EXPECT_EQ(r->format(), TraceFormat::Binary);
        EXPECT_EQ(r->gzip(), std::string(out).back() == 'z');
        EXPECT_EQ(read_all(path(out)), expected);
        EXPECT_EQ(read_all(path(out), "binary", 64), expected);
        // binary -> binary gives the same bytes
        EXPECT_EQ(convert_trace(path(out), path("again.smpt"), "auto"), 10u);
        EXPECT_EQ(bytes_of(path("again.smpt")), bytes_of(path("t.smpt")));
    }
}

TEST_F(TraceFiles, BinaryStreamsThroughAFixedSmallWindow) {
    const auto p = path("big.smpt");
    BinaryTraceWriter w(p, false);
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        w.write(rec(TraceKind(i % 4), 0x100000ull * unsigned(i % 1000) + unsigned(i), 1 + i % 40));
    }
    w.finish();
    auto r = open_trace(p, "auto", 64);
    TraceRecord x;
    int i = 0;
    for (; r->next(x); ++i) {
        ASSERT_EQ(x, rec(TraceKind(i % 4), 0x100000ull * unsigned(i % 1000) + unsigned(i),
                         1 + unsigned(i % 40)))
            << i;
    }
    EXPECT_EQ(i, n);
    EXPECT_EQ(r->buffer_bytes(), 64u);
    EXPECT_GT(fs::file_size(p), 5000 * r->buffer_bytes());
}

TEST_F(TraceFiles, EmptyBinaryTraceHasNoRecords) {
    const auto p = path("empty.smpt.gz");
    BinaryTraceWriter(p, true).finish();
    EXPECT_TRUE(read_all(p).empty());
}

TEST_F(TraceFiles, MalformedBinaryNamesRecordAndByte) {
    const auto src = path("t.smpt");
    BinaryTraceWriter w(src, false);
    w.write(rec(TraceKind::Load, 0x20, 8));      // bytes 9-10: tag, delta 0x20 (zigzag 0x40)
    w.write(rec(TraceKind::Store, 0x1000, 300)); // bytes 11-15: tag, size (2), delta (2)
    w.finish();                                  // bytes 16-17
    const std::string good = bytes_of(src);
    ASSERT_EQ(good.size(), 18u);
    const auto err = [&](const std::string& bytes) {
        return error_of(file("bad.smpt", bytes), "auto");
    };
    const std::string p = path("bad.smpt");
    EXPECT_EQ(err(good.substr(0, 14)), p + ": record 1 at byte 11: truncated record (address)");
    EXPECT_EQ(err(good.substr(0, 12)), p + ": record 1 at byte 11: truncated record (size)");
    EXPECT_EQ(err(good.substr(0, 16)),
              p + ": record 2 at byte 16: the trace ends without its end record (truncated file)");
    EXPECT_EQ(err(good.substr(0, 16) + "\x80\x05"),
              p + ": record 2 at byte 16: the end record counts 5 records, the trace has 2");
    EXPECT_EQ(err(good + "x"), p + ": record 2 at byte 18: data after the end record");
    EXPECT_EQ(err(good.substr(0, 11) + "\x81" + good.substr(12)),
              p + ": record 1 at byte 11: bad record tag 0x81");
    std::string bad_version = good;
    bad_version[8] = 2;
    EXPECT_EQ(err(bad_version), p + ": binary trace version 2, this build reads version 1");
    EXPECT_EQ(error_of(file("t.lackey", kSample), "binary"),
              path("t.lackey") + ": not an smpsim binary trace (bad magic)");
    EXPECT_EQ(error_of(file("e", ""), "binary"),
              path("e") + ": not an smpsim binary trace (empty file)");
    EXPECT_EQ(error_of(src, "lackey"),
              src + ": this is an smpsim binary trace, not lackey text (use format 'binary' or "
                    "'auto')");
    // A gzip-compressed binary trace cut short.
    const std::string z = bytes_of(gz("t.smpt.gz", good));
    const std::string e = error_of(file("cut.smpt.gz", z.substr(0, z.size() - 4)));
    EXPECT_NE(e.find("truncated gzip stream"), std::string::npos) << e;
}

// ---- Validation and replay -----------------------------------------------------------------

TEST_F(TraceFiles, ValidateChecksTheFileAndItsFormat) {
    WorkloadConfig w;
    w.kind = "trace";
    w.path = file("t.lackey", kSample);
    EXPECT_NO_THROW(w.validate("tasks[0].workload"));
    w.format = "binary";
    try {
        w.validate("tasks[0].workload");
        FAIL() << "a lackey file accepted as binary";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "tasks[0].workload.path");
        EXPECT_NE(std::string(e.what()).find("bad magic"), std::string::npos);
    }
    w.format = "auto";
    w.path = path("missing.lackey");
    try {
        w.validate("tasks[2].workload");
        FAIL() << "a missing file accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "tasks[2].workload.path: " + w.path + ": cannot open: No such file or directory");
    }
    w.path = m_dir.string();
    EXPECT_THROW(w.validate(""), ConfigError);
    w.path = file("elf", "\x7f"
                         "ELF\x02\x01\x01\n");
    EXPECT_THROW(w.validate(""), ConfigError); // neither format
}

TEST_F(TraceFiles, SourceReplaysModifyAsLoadThenStoreAndFetchesAsIFetch) {
    WorkloadConfig w;
    w.kind = "trace";
    w.path = file("t.lackey", "I  400,4\n M 1000,8\n S 2000,2\n L 3000,1\n");
    auto src = make_trace_source(w);
    const std::vector<std::pair<OpKind, Addr>> expect = {{OpKind::IFetch, 0x400},
                                                         {OpKind::Load, 0x1000},
                                                         {OpKind::Store, 0x1000},
                                                         {OpKind::Store, 0x2000},
                                                         {OpKind::Load, 0x3000}};
    const std::uint32_t sizes[] = {4, 8, 8, 2, 1};
    Op op;
    for (std::size_t i = 0; i < expect.size(); ++i) {
        ASSERT_TRUE(src->next(op)) << i;
        EXPECT_EQ(op.kind, expect[i].first) << i;
        EXPECT_EQ(op.addr, expect[i].second) << i;
        EXPECT_EQ(op.size, sizes[i]) << i;
    }
    EXPECT_FALSE(src->next(op));
    w.path = file("empty.lackey", "");
    EXPECT_FALSE(make_trace_source(w)->next(op));
}

TEST_F(TraceFiles, ScanReadsEachTraceOnceAndFindsLateErrors) {
    WorkloadConfig good, bad, phases;
    good.kind = bad.kind = "trace";
    good.path = file("good.lackey", kSample);
    bad.path = file("bad.lackey", numbered_lines(5000) + " L 10,zz\n");
    phases.kind = "phases";
    phases.steps = {good, good};
    std::set<std::string> scanned;
    scan_traces(phases, scanned);
    EXPECT_EQ(scanned.size(), 1u);
    phases.steps.push_back(bad);
    try {
        scan_traces(phases, scanned);
        FAIL() << "the bad line was not found";
    } catch (const TraceError& e) {
        EXPECT_EQ(std::string(e.what()), bad.path + ":5001: bad size 'zz'");
    }
}

} // namespace
} // namespace smp
