// Memory-trace records and smpsim's compact binary trace format (plain C++, no SystemC).
//
// Binary format, version 1. The file is plain or gzip-compressed (readers use zlib's gz*
// functions, which read both); everything below describes the uncompressed byte stream.
//
//   header   9 bytes: the magic 89 53 4D 50 54 52 43 1A ("\x89SMPTRC\x1a"), then the version
//            byte (1). The first byte is not ASCII, so a binary trace never parses as text.
//   records  one after the other, each:
//              tag   1 byte: bit 7 = 0; bits 0-1 the kind (0 I, 1 L, 2 S, 3 M);
//                    bits 2-6 the size in bytes, 0 to 30, or 31: the size follows as a varint
//              size  (only when the tag says 31) unsigned varint
//              addr  zigzag varint of (address - previous address of the same stream), modulo
//                    2^64; the instruction stream is the I records, the data stream the L, S
//                    and M records; each stream's previous address starts at 0
//   end      the tag 0x80, then the number of records as an unsigned varint; nothing follows.
//            A file without it is truncated. Tags 0x81-0xFF are reserved (invalid in v1).
//
// Varints are LEB128: 7 bits a byte, least significant group first, bit 7 set on every byte but
// the last; at most 10 bytes. zigzag(d) = (d << 1) ^ (d >> 63) maps small signed deltas to small
// unsigned values. A record takes 2 bytes for a typical instruction fetch, 2-6 for a data access.
// Errors name the record by its index (from 0) and the byte offset of its tag in the stream.
#pragma once

#include <cstddef>
#include <cstdint>

namespace smp {

// The record kinds of valgrind lackey's --trace-mem output: instruction fetch, load, store, and
// modify (a load then a store of the same bytes).
enum class TraceKind : std::uint8_t { Instr = 0, Load = 1, Store = 2, Modify = 3 };

struct TraceRecord {
    TraceKind kind = TraceKind::Load;
    std::uint32_t size = 0; // bytes
    std::uint64_t addr = 0; // virtual address

    bool operator==(const TraceRecord& o) const {
        return kind == o.kind && size == o.size && addr == o.addr;
    }
};

inline const char* trace_kind_name(TraceKind k) {
    static const char* const names[] = {"I", "L", "S", "M"};
    return names[static_cast<int>(k)];
}

// What every reader guarantees of the records it returns: sizes up to kTraceMaxSize and
// addr + size <= kTraceAddrLimit (user addresses; the contiguous mapping puts the address space
// number above bit 47).
constexpr std::uint32_t kTraceMaxSize = 4096;
constexpr std::uint64_t kTraceAddrLimit = std::uint64_t(1) << 47;

namespace tracefmt {

constexpr unsigned char kMagic[8] = {0x89, 'S', 'M', 'P', 'T', 'R', 'C', 0x1A};
constexpr unsigned char kVersion = 1;
constexpr std::size_t kHeaderBytes = 9;
constexpr unsigned char kEndTag = 0x80;
constexpr unsigned kInlineSizeMax = 30; // sizes above are written as a varint
constexpr unsigned kSizeEscape = 31;
constexpr std::size_t kMaxVarintBytes = 10;
constexpr std::size_t kMaxRecordBytes = 1 + 2 * kMaxVarintBytes;

constexpr unsigned char tag(TraceKind kind, unsigned inline_size) {
    return static_cast<unsigned char>(static_cast<unsigned>(kind) | (inline_size << 2));
}
constexpr bool is_data(TraceKind k) {
    return k != TraceKind::Instr;
}

constexpr std::uint64_t zigzag(std::uint64_t delta) {
    return (delta << 1) ^ (0 - (delta >> 63)); // (d << 1) ^ (d >> 63), arithmetic shift
}
constexpr std::uint64_t unzigzag(std::uint64_t z) {
    return (z >> 1) ^ (0 - (z & 1));
}

// Appends v as a varint at p; returns the byte after it.
inline unsigned char* put_varint(unsigned char* p, std::uint64_t v) {
    while (v >= 0x80) {
        *p++ = static_cast<unsigned char>(v | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<unsigned char>(v);
    return p;
}

enum class VarintResult { Ok, Truncated, TooLong };

// Reads a varint from [p, end) and advances p past it.
inline VarintResult get_varint(const unsigned char*& p, const unsigned char* end,
                               std::uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p == end) return VarintResult::Truncated;
        const unsigned char b = *p++;
        if (shift == 63 && b > 1) return VarintResult::TooLong; // bits beyond 64
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) return VarintResult::Ok;
    }
    return VarintResult::TooLong;
}

} // namespace tracefmt

} // namespace smp
