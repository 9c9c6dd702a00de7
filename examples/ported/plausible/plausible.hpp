// plausible, ported from GitBook's integrations repository (integrations/plausible): injects
// Plausible's tracking script into published sites whose site installation has a script key.
#pragma once

#include <optional>
#include <string>

#include <gbrt/events/json_view.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace plausible {

// The script for a site installation's configuration ({scriptKey, selfHostedUrl?}), or
// nullopt without a scriptKey (GitBook then serves its no-op script).
std::optional<std::string> script_for(gbrt::events::JsonView site_configuration);

// Registers the fetch_published_script handler.
void register_plausible(gbrt::Runtime& runtime);

}  // namespace plausible
