// libFuzzer target: valgrind lackey text traces (LackeyReader).
#include "fuzz_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return smp::fuzz::read_trace(data, size, "lackey");
}
