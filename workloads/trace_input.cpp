#include "workloads/trace_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <zlib.h>

namespace smp {

namespace {

constexpr unsigned kZlibBuffer = 128 * 1024; // zlib's own buffers, also fixed

std::string reason(int err) {
    return err ? std::strerror(err) : "unknown error";
}

} // namespace

TraceInput::TraceInput(const std::string& path, std::size_t capacity)
    : m_path(path), m_capacity(std::max(capacity, kMinCapacity)), m_buf(new char[m_capacity]) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw TraceError(path + ": cannot open: it is a directory");
    }
    errno = 0;
    m_file = gzopen(path.c_str(), "rb");
    if (!m_file) throw TraceError(path + ": cannot open: " + reason(errno));
    gzbuffer(m_file, kZlibBuffer);
}

TraceInput::TraceInput(TraceInput&& o) noexcept
    : m_path(std::move(o.m_path)), m_file(o.m_file), m_capacity(o.m_capacity),
      m_buf(std::move(o.m_buf)), m_begin(o.m_begin), m_end(o.m_end), m_offset(o.m_offset),
      m_eof(o.m_eof), m_error(std::move(o.m_error)) {
    o.m_file = nullptr;
}

TraceInput::~TraceInput() {
    if (m_file) gzclose(m_file);
}

bool TraceInput::gzip() const {
    return m_file && gzdirect(m_file) == 0;
}

std::size_t TraceInput::refill() {
    if (m_begin > 0) {
        std::memmove(m_buf.get(), m_buf.get() + m_begin, available());
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_eof || m_end == m_capacity) return 0;
    const int n = gzread(m_file, m_buf.get() + m_end, static_cast<unsigned>(m_capacity - m_end));
    if (n > 0) {
        m_end += static_cast<std::size_t>(n);
        return static_cast<std::size_t>(n);
    }
    m_eof = true;
    int err = Z_OK;
    const char* msg = gzerror(m_file, &err);
    if (n < 0 || err != Z_OK) {
        if (err == Z_BUF_ERROR) {
            m_error = "truncated gzip stream (unexpected end of file)";
        } else if (err == Z_ERRNO) {
            m_error = "read error: " + reason(errno);
        } else {
            std::string what = msg ? msg : "unknown error";
            if (what.rfind(m_path + ": ", 0) == 0)
                what.erase(0, m_path.size() + 2); // zlib's prefix
            m_error = "corrupt gzip stream: " + what;
        }
    }
    return 0;
}

TraceOutput::TraceOutput(const std::string& path, bool gzip)
    : m_path(path), m_buf(new unsigned char[kCapacity]) {
    errno = 0;
    m_file = gzopen(path.c_str(), gzip ? "wb6" : "wbT"); // T: no compression
    if (!m_file) throw TraceError(path + ": cannot create: " + reason(errno));
    gzbuffer(m_file, kZlibBuffer);
}

TraceOutput::~TraceOutput() {
    if (m_file) gzclose(m_file);
}

void TraceOutput::flush() {
    if (m_used == 0) return;
    if (gzwrite(m_file, m_buf.get(), static_cast<unsigned>(m_used)) != static_cast<int>(m_used)) {
        int err = Z_OK;
        const char* msg = gzerror(m_file, &err);
        throw TraceError(m_path + ": write error: " +
                         (err == Z_ERRNO ? reason(errno) : std::string(msg ? msg : "")));
    }
    m_used = 0;
}

void TraceOutput::write(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
        if (m_used == kCapacity) flush();
        const std::size_t k = std::min(n, kCapacity - m_used);
        std::memcpy(m_buf.get() + m_used, p, k);
        m_used += k;
        p += k;
        n -= k;
    }
}

void TraceOutput::close() {
    flush();
    gzFile_s* f = m_file;
    m_file = nullptr;
    errno = 0;
    if (gzclose(f) != Z_OK) throw TraceError(m_path + ": write error: " + reason(errno));
}

} // namespace smp
