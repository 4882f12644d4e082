// SystemConfig <-> JSON (config.json, the CLI and Python's to_json/from_json): one schema, no gaps.
#pragma once

#include "platform/system_config.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace smp {

// Every field of the config, tasks included. config_from_json(config_to_json(c)) == c exactly.
nlohmann::json config_to_json(const SystemConfig& cfg);

// Starts from the defaults, or from preset(j["preset"]) when a "preset" key is present, then
// applies the other keys. Unknown keys, wrong JSON types and bad size strings throw ConfigError
// naming the dotted path ("l2.wayz: unknown field"). Never throws a nlohmann exception.
// Does not validate(): the caller decides when the config is complete.
SystemConfig config_from_json(const nlohmann::json& j);

// Parses JSON text first; a syntax error becomes ConfigError("config", "invalid JSON ...").
SystemConfig config_from_json_text(const std::string& text);

// Parts, for bindings (repr, pickling) and tests. `path` names the part in error messages.
nlohmann::json cache_to_json(const CacheConfig& c);
nlohmann::json workload_to_json(const WorkloadConfig& w);
nlohmann::json task_to_json(const TaskConfig& t);
nlohmann::json kernel_to_json(const KernelConfig& k);
CacheConfig cache_from_json(const nlohmann::json& j, const std::string& path,
                            const CacheConfig& base = CacheConfig{});
WorkloadConfig workload_from_json(const nlohmann::json& j, const std::string& path,
                                  const WorkloadConfig& base = WorkloadConfig{});
TaskConfig task_from_json(const nlohmann::json& j, const std::string& path);

} // namespace smp
