// trace.vcd (cfg.vcd): each CPU's current task and interrupt line and each snoop bus's occupancy
// as value-change-dump waveforms (GTKWave).
#pragma once

#include "platform/timeline.hpp"

#include <string>

namespace smp {

// Written from the timeline after the run, at the cores' exact cycles (1 ps resolution):
// cpuN.task is the running pid (x: nothing), cpuN.irq is high from an interrupt's arrival until
// it is taken, busN.busy is high while a transaction occupies the bus.
std::string vcd_text(const Timeline& tl, double freq_ghz, unsigned cpus);

} // namespace smp
