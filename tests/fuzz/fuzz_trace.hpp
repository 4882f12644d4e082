// Shared body of the trace-reader fuzz targets: the input becomes a trace file, which is read to
// its end through a small window (so records straddle window refills). A malformed trace must
// end in TraceError; anything else (a crash, a hang, another exception) is a bug.
#pragma once

#include "workloads/trace_reader.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace smp::fuzz {

inline int read_trace(const std::uint8_t* data, std::size_t size, const char* format) {
    static const std::string path =
        "/tmp/smpsim-fuzz-" + std::string(format) + "-" + std::to_string(::getpid());
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        if (size) std::fwrite(data, 1, size, f);
        std::fclose(f);
    } else {
        return 0;
    }
    try {
        auto reader = open_trace(path, format, TraceInput::kMinCapacity);
        TraceRecord r;
        std::uint64_t n = 0;
        while (reader->next(r)) {
            if (++n > (std::uint64_t(1) << 24)) break; // bounded however the input is built
        }
    } catch (const TraceError&) {
    }
    return 0;
}

} // namespace smp::fuzz
