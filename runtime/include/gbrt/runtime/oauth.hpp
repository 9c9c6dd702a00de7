// OAuth for integrations, as GitBook's createOAuthHandler and getOAuthToken do it: the
// redirect to the provider, the code exchange, the credentials stored in the installation's
// configuration through the API client, and the token refreshed before it expires.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <gbrt/runtime/context.hpp>
#include <gbrt/runtime/router.hpp>

namespace gbrt::runtime {

struct OAuthConfig {
  std::string client_id;
  std::string client_secret;
  std::string authorize_url;     // where the user is sent to authorize
  std::string access_token_url;  // where a code (or a refresh token) becomes a token
  // The redirect_uri to send; default: the URL of the request, without its query (the
  // provider must accept https://integrations.gitbook.com/integrations/<name>/…).
  std::optional<std::string> redirect_url;
  std::vector<std::string> scopes;  // sent as `scope`, separated by %20
  std::optional<std::string> prompt;
  // The token endpoint's JSON answer to the installation update to make
  // (RequestUpdateIntegrationInstallation); it may call out (Mailchimp asks its metadata
  // endpoint). Default: default_oauth_credentials.
  std::function<boost::asio::awaitable<boost::json::object>(boost::json::object response,
                                                            Context& context)>
      extract_credentials;
};

struct OAuthOptions {
  // Replace the configuration by the credentials' (true, GitBook's default), or merge them
  // into the configuration the installation has.
  bool replace = true;
};

// {"configuration":{"oauth_credentials":{"access_token","expires_at","refresh_token"?}}},
// expires_at in milliseconds since the epoch (now + expires_in s), as GitBook's runtime
// stores it. Throws std::runtime_error when the answer has no access_token.
boost::json::object default_oauth_credentials(const boost::json::object& response);

// A fetch route (Router::get(pattern, oauth_handler(…))): without `code` in the query, a
// 302 to authorize_url with client_id, redirect_uri, response_type=code and GitBook's
// state ({"installationId", "spaceId"?, "siteId"?}) — 400 without an installation in the
// environment; with `code`, the exchange, the credentials stored on the installation, space
// installation or site installation the state names, and "You can close this window now."
Router::Handler oauth_handler(OAuthConfig config, OAuthOptions options = {});

// The access token of `credentials` (an `oauth_credentials` object: access_token,
// refresh_token?, expires_at? in ms since the epoch). Within 10 s of expiring it is first
// refreshed with the refresh token, and the new credentials are stored in the
// installation's configuration (merged into what the environment says it is).
boost::asio::awaitable<std::string> oauth_token(boost::json::object credentials,
                                                const OAuthConfig& config, Context& context);

}  // namespace gbrt::runtime
