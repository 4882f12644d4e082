// Bindings of the trace tools (python3 -m smpsim trace ...): conversion and summaries.
#include "workloads/trace_convert.hpp"

#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_traces(py::module_& m) {
    using namespace smp;
    m.def(
        "trace_convert",
        [](const std::string& in, const std::string& out, const std::string& from) {
            py::gil_scoped_release release;
            return convert_trace(in, out, from);
        },
        py::arg("src"), py::arg("dst"), py::arg("from_format") = "auto",
        "Converts the trace `src` (auto | lackey | binary) to smpsim's binary format in `dst` "
        "(gzip-compressed if it ends in .gz); returns the records written. A malformed record "
        "raises ValueError naming the file and line, and `dst` is removed.");
    m.def(
        "trace_info",
        [](const std::string& path, const std::string& format) {
            TraceSummary s;
            {
                py::gil_scoped_release release;
                s = summarize_trace(path, format);
            }
            py::dict counts, bytes, ranges;
            for (int k = 0; k < 4; ++k) {
                const char* name = trace_kind_name(static_cast<TraceKind>(k));
                counts[name] = s.by_kind[k];
                bytes[name] = s.bytes_by_kind[k];
            }
            const char* streams[] = {"instr", "data"};
            for (int i = 0; i < 2; ++i) {
                ranges[streams[i]] = s.lo[i] < s.hi[i]
                                         ? py::object(py::make_tuple(s.lo[i], s.hi[i]))
                                         : py::object(py::none());
            }
            py::dict d;
            d["format"] = s.format;
            d["gzip"] = s.gzip;
            d["records"] = s.records;
            d["by_kind"] = counts;
            d["bytes_by_kind"] = bytes;
            d["range"] = ranges;
            return d;
        },
        py::arg("path"), py::arg("format") = "auto",
        "Reads a trace to its end: {'format', 'gzip', 'records', 'by_kind': {I, L, S, M}, "
        "'bytes_by_kind', 'range': {'instr': (lo, hi) or None, 'data': ...}} (hi = highest "
        "address + size).");
}
