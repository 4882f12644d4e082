// libFuzzer target: a configuration loaded from JSON text and validated, as `smpsim run
// CONFIG.json` does before anything is built. Bad input must end in ConfigError (a message
// naming the dotted field); anything else is a bug.
#include "models/common/config_error.hpp"
#include "platform/config_json.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        smp::SystemConfig c =
            smp::config_from_json_text(std::string(reinterpret_cast<const char*>(data), size));
        c.validate();
    } catch (const smp::ConfigError&) {
    }
    return 0;
}
