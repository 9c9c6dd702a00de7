#include "mailchimp.hpp"

#include <memory>
#include <stdexcept>

#include <boost/system/system_error.hpp>

#include <gbrt/runtime/contentkit.hpp>
#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/log.hpp>
#include <gbrt/runtime/oauth.hpp>
#include <gbrt/runtime/router.hpp>
#include <gbrt/runtime/url.hpp>

namespace mailchimp {

namespace asio = boost::asio;
namespace ck = gbrt::contentkit;
namespace ev = gbrt::events;
namespace http = gbrt::http;
namespace json = boost::json;
using namespace gbrt::runtime;

namespace {

constexpr std::string_view kDefaultCta = "Sign up to our mailing list to receive updates!";
constexpr std::string_view kDisclaimer =
    "By clicking Subscribe, you agree to the processing of your email address in accordance "
    "with our privacy policy.";

std::string string_of(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

json::object object_of(const std::string& text) {
  try {
    auto value = parse_json(text);
    if (value.is_object()) return std::move(value.as_object());
  } catch (const boost::system::system_error&) {
  }
  return {};
}

// A call to Mailchimp's API; its JSON answer, or std::runtime_error.
asio::awaitable<json::object> mailchimp_call(gbrt::Context& ctx, http::Request request) {
  const auto reply = co_await ctx.http().send(std::move(request));
  if (!reply.ok()) {
    throw std::runtime_error(
        "Mailchimp API error: " +
        (reply.error ? reply.error.message() : std::to_string(reply.status) + " - " + reply.body));
  }
  co_return object_of(reply.body);
}

// The first mailing list (audience) of the account, paging through them all as the
// original does; empty when there is none.
asio::awaitable<std::string> first_list(gbrt::Context& ctx, std::string api_endpoint,
                                        std::string token) {
  http::Request request{.url = api_endpoint + "/3.0/lists?count=100&offset=0",
                        .headers = {{"Authorization", "Bearer " + token}}};
  auto answer = co_await mailchimp_call(ctx, std::move(request));
  const auto* lists = answer.if_contains("lists");
  if (lists == nullptr || !lists->is_array() || lists->as_array().empty()) co_return std::string();
  const auto& first = lists->as_array().front();
  co_return first.is_object() ? string_of(first.as_object(), "id") : std::string();
}

std::string member_body(const std::string& email) {
  json::object body;
  body["email_address"] = email;
  body["status"] = "subscribed";
  return to_js_json(body);
}

asio::awaitable<void> subscribe(gbrt::Context& ctx, std::string api_endpoint, std::string token,
                                std::string list_id, std::string email) {
  http::Request request{
      .method = http::Method::post,
      .url = api_endpoint + "/3.0/lists/" + encode_uri_component(list_id) + "/members",
      .headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}},
      .body = member_body(email)};
  co_await mailchimp_call(ctx, std::move(request));
}

json::object subscribe_state(std::string email, bool success) {
  json::object state;
  state["email"] = std::move(email);
  state["success"] = success;
  return state;
}

// {"configuration":{"oauth_credentials":{"access_token"},"api_endpoint"}}: Mailchimp's API
// lives in the account's data centre, which only its metadata endpoint tells.
asio::awaitable<json::object> credentials_with_endpoint(std::string metadata_url,
                                                        json::object response, gbrt::Context& ctx) {
  const std::string token = string_of(response, "access_token");
  if (token.empty()) {
    throw std::runtime_error("Could not extract access_token from response " +
                             to_js_json(response));
  }
  http::Request request{.url = std::move(metadata_url),
                        .headers = {{"Authorization", "OAuth " + token}}};
  const auto metadata = co_await mailchimp_call(ctx, std::move(request));
  json::object credentials;
  credentials["access_token"] = token;
  json::object configuration;
  configuration["oauth_credentials"] = std::move(credentials);
  configuration["api_endpoint"] = string_of(metadata, "api_endpoint");
  json::object update;
  update["configuration"] = std::move(configuration);
  co_return update;
}

OAuthConfig oauth_config(const Urls& urls, const ev::Environment& environment) {
  OAuthConfig config;
  config.client_id = std::string(environment.secret("CLIENT_ID").value_or(""));
  config.client_secret = std::string(environment.secret("CLIENT_SECRET").value_or(""));
  config.authorize_url = urls.authorize;
  config.access_token_url = urls.token;
  config.redirect_url =
      std::string(environment.integration_urls()["publicEndpoint"].get_string().value_or("")) +
      "/oauth";
  config.extract_credentials = [metadata = urls.metadata](json::object response,
                                                          gbrt::Context& ctx) {
    return credentials_with_endpoint(metadata, std::move(response), ctx);
  };
  return config;
}

Router router(std::shared_ptr<const Urls> urls) {
  Router r;
  r.get("/oauth", [urls](const FetchRequest& request, gbrt::Context& ctx) {
    // The client's id and secret are the environment's, known only per request.
    const auto* environment = ctx.environment();
    if (environment == nullptr) throw gbrt::ExposableError("Mailchimp integration not configured");
    return oauth_handler(oauth_config(*urls, *environment))(request, ctx);
  });
  r.otherwise([](const FetchRequest& request, gbrt::Context&) -> asio::awaitable<Response> {
    co_return Response::text(
        "No route matching " + std::string(request.method()) + " " + std::string(request.url()),
        "text/plain", 404);
  });
  return r;
}

ck::Root render_block(const json::object& props, const json::object& state) {
  std::string cta = string_of(props, "cta");
  if (cta.empty()) cta = kDefaultCta;
  const auto* success = state.if_contains("success");
  const bool answered = success && success->is_bool();
  json::object fields;
  fields["email"] = ComponentInstance::dynamic_state("email").json();
  ck::Children children{
      ck::HStack({ck::Box({ck::Text(cta)}).grow(1),
                  ck::Box({ck::TextInput("email").placeholder("Your email address")}).grow(2),
                  ck::Box({ck::Button(answered && success->as_bool() ? "Subscribed!" : "Subscribe",
                                      ck::Action("subscribe", std::move(fields)))
                               .disabled(answered)})}),
      ck::Box({ck::Text(kDisclaimer)})};
  if (answered && !success->as_bool()) {
    children.emplace_back(
        ck::Box({ck::Text("An error occured, the site owner has been notified")}));
  }
  return ck::Block(children);
}

json::object initial_state() {
  json::object state;
  state["email"] = "";  // `success` stays undefined: JSON.stringify leaves it out
  return state;
}

json::object modal_props(ev::JsonView action, const json::object& props) {
  json::object out;
  std::optional<std::string_view> list = action["listId"].get_string();
  if (!list) list = action["defaultListId"].get_string();
  if (list) {
    out["listId"] = *list;
  } else if (const auto* current = props.if_contains("listId")) {
    out["listId"] = *current;
  }
  out["cta"] = action["cta"].get_string().value_or("");
  return out;
}

asio::awaitable<ActionResult> act(ComponentInstance& c, ev::JsonView action, gbrt::Context& ctx) {
  const auto name = action["action"].get_string().value_or("");
  if (name == "@ui.modal.close") {
    if (action["cta"].is_missing())
      throw gbrt::ExposableError("Invalid @ui.modal.close action payload");
    co_return ActionResult{modal_props(action, c.props), std::nullopt, {}};
  }
  if (name != "subscribe") co_return ActionResult{};

  const auto* environment = ctx.environment();
  const auto configuration =
      environment ? environment->installation_configuration() : ev::JsonView();
  const auto token = configuration["oauth_credentials"]["access_token"].get_string();
  if (!token) throw gbrt::ExposableError("Mailchimp integration not configured");
  const std::string api_endpoint(configuration["api_endpoint"].get_string().value_or(""));
  std::string email(action["email"].get_string().value_or(""));
  try {
    std::string list_id = string_of(c.props, "listId");
    if (list_id.empty()) list_id = co_await first_list(ctx, api_endpoint, std::string(*token));
    if (list_id.empty()) throw std::runtime_error("no lists found");
    co_await subscribe(ctx, api_endpoint, std::string(*token), std::move(list_id), email);
  } catch (const std::exception& e) {
    gbrt::log::error("mailchimp: error while subscribing", {{"error", e.what()}});
    co_return ActionResult::with_state(subscribe_state(std::move(email), false));
  }
  co_return ActionResult::with_state(subscribe_state(std::move(email), true));
}

}  // namespace

void register_mailchimp(gbrt::Runtime& runtime, Urls urls) {
  runtime.fetch(router(std::make_shared<const Urls>(std::move(urls))));
  ComponentSpec block;
  block.initial_state = [](const json::object&, ev::JsonView, gbrt::Context&) {
    return initial_state();
  };
  block.action = act;
  block.render = [](ComponentInstance& c, gbrt::Context&) -> asio::awaitable<ck::Root> {
    co_return render_block(c.props, c.state);
  };
  runtime.component("mailchimpSubscribe", std::move(block));
}

}  // namespace mailchimp
