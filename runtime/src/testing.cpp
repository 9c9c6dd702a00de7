#include <gbrt/runtime/testing.hpp>

#include <gbrt/runtime/fixtures.hpp>
#include <gbrt/runtime/read_file.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;

HandlerHarness::HandlerHarness(RuntimeOptions options) : runtime_(std::move(options)) {}

HandlerHarness::~HandlerHarness() {
  runtime_.shutdown(std::chrono::seconds(5));
}

HandlerHarness::Result HandlerHarness::run(std::string_view event_json,
                                           std::optional<std::string_view> environment_json) {
  runtime_.start();
  auto timed = [](Runtime& runtime, std::string event,
                  std::optional<std::string> environment) -> asio::awaitable<Result> {
    const auto start = std::chrono::steady_clock::now();
    Answer answer = co_await runtime.handle(std::move(event), std::move(environment));
    co_return Result{std::move(answer), std::chrono::steady_clock::now() - start};
  };
  return asio::co_spawn(
             runtime_.shard(0).executor(),
             timed(runtime_, std::string(event_json),
                   environment_json ? std::optional<std::string>(*environment_json) : std::nullopt),
             asio::use_future)
      .get();
}

HandlerHarness::Result HandlerHarness::run_file(const std::filesystem::path& event_file,
                                                std::optional<std::string_view> environment_json) {
  return run(read_file(event_file, "HandlerHarness: "), environment_json);
}

HandlerHarness::Result HandlerHarness::run_fixture(
    std::string_view name, std::optional<std::string_view> environment_json) {
  return run(read_fixture(name), environment_json);
}

}  // namespace gbrt::runtime
