// formspree, ported from GitBook's integrations repository (integrations/formspree): a block
// with a contact form (email, name, message as the space installation's configuration
// enables them) whose Submit action posts the form to Formspree, then shows "Submitted".
#pragma once

#include <string>

#include <gbrt/runtime/runtime.hpp>

namespace formspree {

struct Options {
  // Where a bare form id goes: <endpoint_base>/f/<id>. Tests point it at a local server.
  std::string endpoint_base = "https://formspree.io";
};

// The URL a configured `formspree_id` posts to: itself when it is a formspree.io URL.
std::string form_endpoint(std::string_view formspree_id, const Options& options);

// Registers the `formspree` component.
void register_formspree(gbrt::Runtime& runtime, Options options = {});

}  // namespace formspree
