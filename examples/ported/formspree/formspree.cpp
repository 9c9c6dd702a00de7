#include "formspree.hpp"

#include <gbrt/runtime/contentkit.hpp>
#include <gbrt/runtime/js_json.hpp>

namespace formspree {

namespace asio = boost::asio;
namespace ck = gbrt::contentkit;
namespace ev = gbrt::events;
namespace json = boost::json;
using gbrt::ActionResult;
using gbrt::ComponentInstance;
using gbrt::ComponentSpec;

namespace {

json::object initial_state() {
  json::object state;
  state["email"] = "";
  state["name"] = "";
  state["message"] = "";
  state["formSubmitted"] = false;
  return state;
}

bool submitted(const json::object& state) {
  const auto* value = state.if_contains("formSubmitted");
  return value && value->is_bool() && value->as_bool();
}

// The fields the visitor filled in (empty ones left out, as the original does).
std::string form_body(const json::object& state) {
  json::object body;
  for (const char* field : {"email", "name", "message"}) {
    const auto* value = state.if_contains(field);
    if (value && value->is_string() && !value->as_string().empty()) body[field] = *value;
  }
  return gbrt::runtime::to_js_json(body);
}

json::object submitted_state() {
  json::object state;
  state["formSubmitted"] = true;
  return state;
}

// A field the configuration turns on: a boolean `true` (JavaScript's truthiness would
// also take a non-empty string; GitBook's configuration form only stores booleans here).
bool enabled(ev::JsonView configuration, std::string_view field) {
  return configuration[field].get_bool().value_or(false);
}

ck::Root render_form(const json::object& state, ev::JsonView configuration) {
  ck::Children fields;
  if (enabled(configuration, "email")) {
    fields.emplace_back(ck::Box({ck::Input("Email", ck::TextInput("email")
                                                        .input_type(ck::InputType::text)
                                                        .placeholder("Your email"))})
                            .grow(1));
  }
  if (enabled(configuration, "name")) {
    fields.emplace_back(ck::Box({ck::Input("Name", ck::TextInput("name")
                                                       .placeholder("Your name")
                                                       .input_type(ck::InputType::text))})
                            .grow(1));
  }
  ck::Children message;
  if (enabled(configuration, "message")) {
    message.emplace_back(ck::Box({ck::Input("Message", ck::TextInput("message")
                                                           .input_type(ck::InputType::text)
                                                           .placeholder("Your message")
                                                           .multiline(true))})
                             .grow(2));
  }
  const bool done = submitted(state);
  return ck::Block({ck::HStack(fields), ck::VStack(message),
                    ck::Button(done ? "Submitted" : "Submit", ck::Action("submit"))
                        .disabled(done)
                        .style(ck::ButtonStyle::primary)});
}

ev::JsonView space_configuration(const gbrt::Context& ctx) {
  const auto* environment = ctx.environment();
  return environment ? environment->space_installation_configuration() : ev::JsonView();
}

}  // namespace

std::string form_endpoint(std::string_view formspree_id, const Options& options) {
  if (formspree_id.starts_with("https://formspree.io") ||
      formspree_id.starts_with("http://formspree.io")) {
    return std::string(formspree_id);
  }
  return options.endpoint_base + "/f/" + std::string(formspree_id);
}

void register_formspree(gbrt::Runtime& runtime, Options options) {
  ComponentSpec spec;
  spec.initial_state = [](const json::object&, ev::JsonView, gbrt::Context&) {
    return initial_state();
  };
  spec.action = [options](ComponentInstance& c, ev::JsonView action,
                          gbrt::Context& ctx) -> asio::awaitable<ActionResult> {
    if (action["action"].get_string() != "submit" || submitted(c.state)) co_return ActionResult{};
    const auto id = space_configuration(ctx)["formspree_id"].get_string();
    if (!id || id->empty()) co_return ActionResult{};
    gbrt::http::Request request{
        .method = gbrt::http::Method::post,
        .url = form_endpoint(*id, options),
        .headers = {{"Accept", "application/json"}, {"Content-Type", "application/json"}},
        .body = form_body(c.state)};
    const auto reply = co_await ctx.http().send(std::move(request));
    // The original counts any answer as sent; a refused form is not submitted here.
    if (!reply.ok()) co_return ActionResult{};
    co_return ActionResult::with_state(submitted_state());
  };
  spec.render = [](ComponentInstance& c, gbrt::Context& ctx) -> asio::awaitable<ck::Root> {
    co_return render_form(c.state, space_configuration(ctx));
  };
  runtime.component("formspree", std::move(spec));
}

}  // namespace formspree
