// Named machine presets. Every latency says where it comes from (see presets.cpp).
#pragma once

#include "platform/system_config.hpp"

#include <string>
#include <vector>

namespace smp {

std::vector<std::string> preset_names();
// Throws ConfigError("preset", ...) for an unknown name.
SystemConfig preset(const std::string& name);

} // namespace smp
