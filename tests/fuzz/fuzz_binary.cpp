// libFuzzer target: smpsim's binary trace format (BinaryReader), plain or gzip-compressed.
#include "fuzz_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return smp::fuzz::read_trace(data, size, "binary");
}
