// Buffered reading and writing of plain or gzip-compressed files through zlib's gz* functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

struct gzFile_s; // zlib's file handle (gzFile)

namespace smp {

// A trace that cannot be read: the message names the file and the line or record. It is an
// invalid_argument, so it reaches Python as ValueError.
class TraceError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// A window of fixed capacity over a file, plain or gzip (told apart by zlib): the unread bytes
// are [begin(), end()); refill() moves them to the front and appends what the file has next.
// The window never grows, so a file of any size is read in constant memory.
class TraceInput {
public:
    static constexpr std::size_t kDefaultCapacity = 256 * 1024;
    static constexpr std::size_t kMinCapacity = 64; // a smaller capacity is raised to this

    // Opens `path`; throws TraceError ("<path>: cannot open: <reason>") if it cannot.
    TraceInput(const std::string& path, std::size_t capacity = kDefaultCapacity);
    ~TraceInput();
    TraceInput(TraceInput&& o) noexcept;
    TraceInput& operator=(TraceInput&&) = delete;
    TraceInput(const TraceInput&) = delete;

    const char* begin() const { return m_buf.get() + m_begin; }
    const char* end() const { return m_buf.get() + m_end; }
    std::size_t available() const { return m_end - m_begin; }
    void consume(std::size_t n) {
        m_begin += n;
        m_offset += n;
    }
    // Bytes added; 0 when the window is full or the file has ended (then error() says whether it
    // ended because of a read error: a truncated or corrupt gzip stream, an I/O error).
    std::size_t refill();
    bool at_eof() const { return m_eof; }
    const std::string& error() const { return m_error; }

    const std::string& path() const { return m_path; }
    std::size_t capacity() const { return m_capacity; }
    bool full() const { return available() == m_capacity; }
    // Offset of begin() in the (decompressed) stream.
    std::uint64_t offset() const { return m_offset; }
    bool gzip() const;

private:
    std::string m_path;
    gzFile_s* m_file = nullptr;
    std::size_t m_capacity;
    std::unique_ptr<char[]> m_buf;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::uint64_t m_offset = 0;
    bool m_eof = false;
    std::string m_error;
};

// Writes a file through a fixed buffer, gzip-compressed or plain; errors throw TraceError.
class TraceOutput {
public:
    TraceOutput(const std::string& path, bool gzip);
    ~TraceOutput();
    TraceOutput(const TraceOutput&) = delete;
    TraceOutput& operator=(const TraceOutput&) = delete;

    // Where to write at least `n` (<= 64) more bytes; then advance() past what was written.
    unsigned char* reserve(std::size_t n) {
        if (m_used + n > kCapacity) flush();
        return m_buf.get() + m_used;
    }
    void advance(unsigned char* past) { m_used = static_cast<std::size_t>(past - m_buf.get()); }
    void write(const void* data, std::size_t n);
    // Flushes and closes; throws TraceError if any write failed.
    void close();

private:
    static constexpr std::size_t kCapacity = 256 * 1024;
    void flush();

    std::string m_path;
    gzFile_s* m_file = nullptr;
    std::unique_ptr<unsigned char[]> m_buf;
    std::size_t m_used = 0;
};

} // namespace smp
