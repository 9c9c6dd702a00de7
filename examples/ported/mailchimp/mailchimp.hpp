// mailchimp, ported from GitBook's integrations repository (integrations/mailchimp): an
// OAuth route that connects a Mailchimp account (its credentials and API endpoint stored in
// the installation's configuration through GitBook's API), and a block whose Subscribe
// action adds the visitor's email to a mailing list through Mailchimp's API.
#pragma once

#include <string>

#include <gbrt/runtime/runtime.hpp>

namespace mailchimp {

// Mailchimp's login service; tests point them at a local server.
struct Urls {
  std::string authorize = "https://login.mailchimp.com/oauth2/authorize";
  std::string token = "https://login.mailchimp.com/oauth2/token";
  std::string metadata = "https://login.mailchimp.com/oauth2/metadata";
};

// Registers the fetch router (GET …/oauth) and the `mailchimpSubscribe` component. The
// OAuth client's id and secret are the environment's secrets CLIENT_ID and CLIENT_SECRET.
void register_mailchimp(gbrt::Runtime& runtime, Urls urls = {});

}  // namespace mailchimp
