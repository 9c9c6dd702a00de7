// gbrt-send: sends test events to a gbrt-server (or any integration endpoint) as GitBook
// would, and prints each answer. Events come from a file, a folder of them, a fixture's name
// (share/gbrt/fixtures) or stdin; in the Webhook format (application/json, signed with
// X-GitBook-Signature when a secret is given) or the dispatcher's (multipart/form-data).
// Exits 0 when every answer is 2xx or a redirect, 1 otherwise, 2 on a usage error.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/program_options.hpp>

#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/fixtures.hpp>
#include <gbrt/runtime/read_file.hpp>

#include "corpus.hpp"
#include "url.hpp"

namespace po = boost::program_options;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using namespace gbrt::client;

namespace {

struct Event {
  std::string source;  // what to call it in the output
  std::string json;
  fs::path beside;  // where environment.json may be (multipart)
};

std::string read_stdin() {
  return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
}

// `-` is stdin; a folder gives its events (as gbrt-loadgen reads a corpus); a file is sent
// as it is, even when it is not an event; anything else is a fixture's name.
std::vector<Event> load_events(const std::string& arg) {
  if (arg == "-") return {{"stdin", read_stdin(), "."}};
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    Corpus corpus = load_corpus(arg);
    if (corpus.events.empty()) throw std::runtime_error(arg + " holds no event (*.json)");
    std::vector<Event> events;
    for (std::size_t i = 0; i < corpus.events.size(); ++i) {
      events.push_back({corpus.sources[i], corpus.events[i], arg});
    }
    return events;
  }
  const fs::path path = gbrt::runtime::fixture_path(arg);
  try {
    return {{path.string(), gbrt::runtime::read_file(path), path.parent_path()}};
  } catch (const std::runtime_error&) {
    throw std::runtime_error("cannot read " + arg +
                             (path.string() == arg ? "" : " nor " + path.string()) +
                             " (a file, a folder, a fixture's name or - for stdin)");
  }
}

struct Answer {
  unsigned status = 0;
  std::string body;
};

Answer post(const Url& url, const std::string& target, const std::string& content_type,
            const std::string& body, const std::string& secret, std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(resolver.resolve(url.host, url.port));
  http::request<http::string_body> request(http::verb::post, target, 11);
  request.set(http::field::host, url.authority());
  request.set(http::field::user_agent, "gbrt-send");
  request.set(http::field::content_type, content_type);
  if (!secret.empty()) {
    request.set("X-GitBook-Signature",
                gbrt::net::sign_webhook(secret, std::int64_t(std::time(nullptr)), body));
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  return {response.result_int(), std::move(response.body())};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string events_help =
      "event files, folders of them, fixture names (site_view-1, from " +
      gbrt::runtime::fixtures_dir().string() + ") or - for stdin";
  po::options_description options("gbrt-send options");
  // clang-format off
  options.add_options()
      ("help,h", "print this help and exit")
      ("url", po::value<std::string>()->default_value("http://127.0.0.1:8080/v1"),
       "http://HOST:PORT/PATH to POST each event to")
      ("format", po::value<std::string>()->default_value("json"),
       "json (GitBook's Webhook: the event is the body) or multipart (GitBook's dispatcher: "
       "the event and its environment as form fields)")
      ("environment", po::value<std::string>(),
       "multipart: the environment (a JSON file); default: environment.json beside the "
       "event, else a minimal one")
      ("secret", po::value<std::string>(),
       "sign each request with X-GitBook-Signature (visible to other users in ps: prefer "
       "GBRT_SECRET or --secret-file); default: the first of GBRT_SECRET's, else unsigned")
      ("secret-file", po::value<std::string>(), "sign with the first secret in this file")
      ("timeout", po::value<unsigned>()->default_value(10000), "ms for each request")
      ("events", po::value<std::vector<std::string>>(), events_help.c_str());
  // clang-format on
  po::positional_options_description positional;
  positional.add("events", -1);

  Url url;
  std::string format, environment_file, secret;
  std::vector<std::string> args;
  std::chrono::milliseconds timeout{};
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
              vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << "Usage: gbrt-send [options] EVENT...\n\n"
                << "Sends each EVENT to gbrt-server as GitBook would and prints the answer.\n\n"
                << options << "\n";
      return 0;
    }
    auto parsed = parse_url(vm["url"].as<std::string>());
    if (!parsed) throw std::runtime_error("--url wants http://HOST:PORT/PATH");
    url = *parsed;
    format = vm["format"].as<std::string>();
    if (format != "json" && format != "multipart") {
      throw std::runtime_error("--format wants json or multipart, got " + format);
    }
    if (vm.count("environment")) environment_file = vm["environment"].as<std::string>();
    secret = load_secret(vm.count("secret") ? vm["secret"].as<std::string>() : "",
                         vm.count("secret-file") ? vm["secret-file"].as<std::string>() : "");
    timeout = std::chrono::milliseconds(vm["timeout"].as<unsigned>());
    if (!vm.count("events")) throw std::runtime_error("no event to send (try site_view-1)");
    args = vm["events"].as<std::vector<std::string>>();
  } catch (const std::exception& e) {
    std::cerr << "gbrt-send: " << e.what() << "\n(see gbrt-send --help)\n";
    return 2;
  }

  const std::string target = url.path.empty() ? "/v1" : url.path;
  const std::string content_type = format == "json"
                                       ? "application/json"
                                       : std::string("multipart/form-data; boundary=") + kBoundary;
  bool all_ok = true;
  for (const auto& arg : args) {
    std::vector<Event> events;
    try {
      events = load_events(arg);
    } catch (const std::exception& e) {
      std::cerr << "gbrt-send: " << e.what() << "\n";
      return 2;
    }
    for (const auto& event : events) {
      try {
        const std::string body =
            format == "json" ? event.json
                             : multipart_body(event.json, load_environment(environment_file,
                                                                           event.beside.string()));
        Answer answer = post(url, target, content_type, body, secret, timeout);
        std::cout << event.source << ": " << answer.status << ' ' << answer.body << std::endl;
        all_ok = all_ok && gbrt::client::is_success(answer.status);
      } catch (const std::exception& e) {
        std::cout << event.source << ": no answer from " << url.authority() << ": " << e.what()
                  << std::endl;
        all_ok = false;
      }
    }
  }
  return all_ok ? 0 : 1;
}
