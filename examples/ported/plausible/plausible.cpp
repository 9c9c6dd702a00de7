#include "plausible.hpp"

#include <gbrt/runtime/js_json.hpp>

namespace plausible {

namespace asio = boost::asio;
namespace ev = gbrt::events;

namespace {

// Loads the tracker asynchronously, before the page's first script, and queues calls to
// window.plausible() made before it arrives (Plausible's documented stub).
constexpr std::string_view kLoaderBefore = R"JS((function (d) {
  var tracker = d.createElement('script');
  tracker.async = true;
  tracker.src = )JS";
constexpr std::string_view kLoaderAfter = R"JS(;
  var first = d.getElementsByTagName('script')[0];
  if (first && first.parentNode) first.parentNode.insertBefore(tracker, first);
  else (d.head || d.documentElement).appendChild(tracker);
  window.plausible = window.plausible || function () {
    (window.plausible.q = window.plausible.q || []).push(arguments);
  };
  window.plausible.init = window.plausible.init || function (options) {
    window.plausible.o = options || {};
  };
  window.plausible.init();
})(document);
)JS";

}  // namespace

std::optional<std::string> script_for(ev::JsonView configuration) {
  const auto key = configuration["scriptKey"].get_string();
  if (!key || key->empty()) return std::nullopt;
  const std::string normalized =
      key->starts_with("pa-") ? std::string(*key) : "pa-" + std::string(*key);
  std::string base(configuration["selfHostedUrl"].get_string().value_or(""));
  if (base.empty()) base = "https://plausible.io";
  while (!base.empty() && base.back() == '/') base.pop_back();

  std::string script(kLoaderBefore);
  // A JavaScript string literal: a key or URL with quotes cannot break out of it.
  gbrt::runtime::append_js_string(script, base + "/js/" + normalized + ".js");
  script += kLoaderAfter;
  return script;
}

void register_plausible(gbrt::Runtime& runtime) {
  runtime.published_script(
      [](const ev::FetchPublishedScript&,
         gbrt::Context& ctx) -> asio::awaitable<std::optional<gbrt::Response>> {
        const auto* environment = ctx.environment();
        auto script =
            environment ? script_for(environment->site_installation_configuration()) : std::nullopt;
        if (!script) co_return std::nullopt;
        co_return gbrt::Response::text(std::move(*script), "application/javascript")
            .add_header("Cache-Control", "max-age=604800");
      });
}

}  // namespace plausible
