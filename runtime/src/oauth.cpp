#include <gbrt/runtime/oauth.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>

#include <boost/system/system_error.hpp>

#include <gbrt/runtime/api.hpp>
#include <gbrt/runtime/js_json.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// application/x-www-form-urlencoded as URLSearchParams writes it: space as '+', every byte
// but ALPHA DIGIT * - . _ as %XX.
void append_form_encoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
        c == '-' || c == '.' || c == '_') {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

using Params = std::vector<std::pair<std::string, std::string>>;

std::string form(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    append_form_encoded(out, name);
    out += '=';
    append_form_encoded(out, value);
  }
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json::object parse_object(std::string_view text) {
  json::value value;
  try {
    value = parse_json(text);
  } catch (const boost::system::system_error&) {
  }
  if (!value.is_object()) return {};
  return std::move(value.as_object());
}

std::string string_of(const events::JsonView& view) {
  return std::string(view.get_string().value_or(""));
}

// GitBook's state: where the flow started, so the callback knows what to update.
std::string state_of(const events::Environment& environment) {
  json::object state;
  state["installationId"] = string_of((*environment.installation)["id"]);
  if (environment.space_installation) {
    if (auto space = (*environment.space_installation)["space"].get_string()) {
      state["spaceId"] = *space;
    }
  }
  if (environment.site_installation) {
    if (auto site = (*environment.site_installation)["site"].get_string()) state["siteId"] = *site;
  }
  return to_js_json(state);
}

std::string authorize_location(const OAuthConfig& config, const std::string& redirect_uri,
                               const events::Environment& environment) {
  Params params{{"client_id", config.client_id},
                {"redirect_uri", redirect_uri},
                {"response_type", "code"},
                {"state", state_of(environment)}};
  std::string location = config.authorize_url;
  location += location.find('?') == std::string::npos ? '?' : '&';
  location += form(params);
  if (!config.scopes.empty()) {
    location += "&scope=";
    for (std::size_t i = 0; i < config.scopes.size(); ++i) {
      if (i > 0) location += "%20";
      append_form_encoded(location, config.scopes[i]);
    }
  }
  if (config.prompt) {
    location += "&prompt=";
    append_form_encoded(location, *config.prompt);
  }
  return location;
}

// POSTs `params` to the token endpoint; its JSON answer, or std::runtime_error.
asio::awaitable<json::object> token_request(Context& context, std::string url, Params params) {
  http::Request request{.method = http::Method::post,
                        .url = std::move(url),
                        .headers = {{"Accept", "application/json"},
                                    {"Content-Type", "application/x-www-form-urlencoded"}},
                        .body = form(params)};
  const http::Reply reply = co_await context.http().send(std::move(request));
  if (!reply.ok()) {
    throw std::runtime_error("Failed to exchange code for access token " +
                             (reply.error ? reply.error.message() : reply.body));
  }
  co_return parse_object(reply.body);
}

// `existing` (when merging) with the credentials' configuration over it, plus the credentials'
// other fields (externalIds, …), as createOAuthHandler sends them.
json::object installation_update(json::object credentials, json::object existing) {
  if (auto* configuration = credentials.if_contains("configuration");
      configuration && configuration->is_object()) {
    for (auto& [key, value] : configuration->as_object()) existing[key] = std::move(value);
  }
  credentials["configuration"] = std::move(existing);
  return credentials;
}

json::object configuration_of(const json::object& installation) {
  const auto* configuration = installation.if_contains("configuration");
  return configuration && configuration->is_object() ? configuration->as_object() : json::object();
}

asio::awaitable<json::object> extract(const OAuthConfig& config, const json::object& response,
                                      Context& context) {
  if (config.extract_credentials) co_return co_await config.extract_credentials(response, context);
  co_return default_oauth_credentials(response);
}

Response close_window_page() {
  return Response::text(
      "\n<p>You can close this window now.</p>\n<script>\n    window.close();\n</script>\n",
      "text/html");
}

struct Flow {
  OAuthConfig config;
  OAuthOptions options;
};

asio::awaitable<Response> run_flow(std::shared_ptr<const Flow> flow, const FetchRequest& request,
                                   Context& context) {
  const OAuthConfig& config = flow->config;
  const auto* environment = context.environment();
  std::string redirect_uri = config.redirect_url.value_or(
      std::string(request.url().substr(0, request.url().find_first_of("?#"))));
  const auto code = request.query("code");

  if (!code) {
    if (environment == nullptr || !environment->installation) {
      co_return Response::json(R"({"error":"Cannot initiate OAuth flow without an installation"})",
                               400);
    }
    co_return Response::redirect(authorize_location(config, redirect_uri, *environment));
  }

  const auto raw_state = request.query("state");
  if (!raw_state) throw std::runtime_error("Missing state parameter in OAuth callback");
  const json::object state = parse_object(*raw_state);
  const auto field = [&](const char* name) -> std::optional<std::string> {
    const auto* value = state.if_contains(name);
    if (value == nullptr || !value->is_string()) return std::nullopt;
    return std::string(value->as_string());
  };
  const auto installation_id = field("installationId");
  if (!installation_id) throw std::runtime_error("OAuth state without installationId");
  const auto space_id = field("spaceId");
  const auto site_id = field("siteId");

  Params params{{"client_id", config.client_id},
                {"client_secret", config.client_secret},
                {"code", *code},
                {"redirect_uri", redirect_uri},
                {"grant_type", "authorization_code"}};
  const json::object response =
      co_await token_request(context, config.access_token_url, std::move(params));
  json::object credentials = co_await extract(config, response, context);

  const ApiClient api = context.api();
  json::object existing;
  if (space_id) {
    if (!flow->options.replace) {
      existing = configuration_of(co_await api.get_space_installation(*installation_id, *space_id));
    }
    co_await api.update_space_installation(
        *installation_id, *space_id,
        installation_update(std::move(credentials), std::move(existing)));
  } else if (site_id) {
    if (!flow->options.replace) {
      existing = configuration_of(co_await api.get_site_installation(*installation_id, *site_id));
    }
    co_await api.update_site_installation(
        *installation_id, *site_id,
        installation_update(std::move(credentials), std::move(existing)));
  } else {
    if (!flow->options.replace) {
      existing = configuration_of(co_await api.get_installation(*installation_id));
    }
    co_await api.update_installation(
        *installation_id, installation_update(std::move(credentials), std::move(existing)));
  }
  co_return close_window_page();
}

}  // namespace

json::object default_oauth_credentials(const json::object& response) {
  const auto* access_token = response.if_contains("access_token");
  if (access_token == nullptr || !access_token->is_string() || access_token->as_string().empty()) {
    throw std::runtime_error("Failed to retrieve access_token from response");
  }
  json::object credentials;
  credentials["access_token"] = *access_token;
  const auto* expires_in = response.if_contains("expires_in");
  const double seconds =
      expires_in && expires_in->is_number() ? expires_in->to_number<double>() : 0;
  credentials["expires_at"] = now_ms() + std::int64_t(seconds * 1000);
  if (const auto* refresh = response.if_contains("refresh_token");
      refresh && refresh->is_string()) {
    credentials["refresh_token"] = *refresh;
  }
  json::object configuration;
  configuration["oauth_credentials"] = std::move(credentials);
  json::object update;
  update["configuration"] = std::move(configuration);
  return update;
}

Router::Handler oauth_handler(OAuthConfig config, OAuthOptions options) {
  auto flow = std::make_shared<const Flow>(Flow{std::move(config), options});
  return [flow](const FetchRequest& request, Context& context) {
    return run_flow(flow, request, context);
  };
}

asio::awaitable<std::string> oauth_token(json::object credentials, const OAuthConfig& config,
                                         Context& context) {
  const auto* access = credentials.if_contains("access_token");
  const auto* expires_at = credentials.if_contains("expires_at");
  if (expires_at == nullptr || !expires_at->is_number() ||
      expires_at->to_number<double>() - double(now_ms()) > 10000) {
    if (access == nullptr || !access->is_string()) throw std::runtime_error("No access_token");
    co_return std::string(access->as_string());
  }
  const auto* refresh = credentials.if_contains("refresh_token");
  if (refresh == nullptr || !refresh->is_string()) {
    throw std::runtime_error("No refresh token available to refresh the OAuth token");
  }
  Params params{{"client_id", config.client_id},
                {"client_secret", config.client_secret},
                {"grant_type", "refresh_token"},
                {"refresh_token", std::string(refresh->as_string())}};
  const json::object response =
      co_await token_request(context, config.access_token_url, std::move(params));
  json::object update = co_await extract(config, response, context);
  std::string token;
  if (const auto* c = update.if_contains("configuration"); c && c->is_object()) {
    if (const auto* o = c->as_object().if_contains("oauth_credentials"); o && o->is_object()) {
      if (const auto* t = o->as_object().if_contains("access_token"); t && t->is_string()) {
        token = std::string(t->as_string());
      }
    }
  }
  if (token.empty())
    throw std::runtime_error("Failed to retrieve access_token from OAuth response");

  const auto* environment = context.environment();
  if (environment == nullptr || !environment->installation) {
    throw std::runtime_error("Cannot store refreshed OAuth credentials without an installation");
  }
  json::object existing = parse_object(environment->installation_configuration().raw());
  std::string installation_id = string_of((*environment->installation)["id"]);
  json::object merged;
  merged["configuration"] =
      installation_update(std::move(update), std::move(existing))["configuration"];
  co_await context.api().update_installation(std::move(installation_id), std::move(merged));
  co_return token;
}

}  // namespace gbrt::runtime
