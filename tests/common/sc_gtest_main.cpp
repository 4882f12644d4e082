// GoogleTest entry point for binaries linked with SystemC (whose library supplies main()).
#include <gtest/gtest.h>
#include <systemc>

// Exported: the SystemC library calls it.
__attribute__((visibility("default"))) int sc_main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
