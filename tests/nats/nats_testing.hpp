// What the NATS tests share: events with chosen ids, the recording worker's files, and a
// look into the stream through libnats itself.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/async.hpp"
#include "support/fixtures.hpp"

namespace gbrt::test {

// tests/fixtures/site_view-1.json with eventId `id`.
inline std::string site_view(const std::string& id) {
  static const std::string original = fixture("site_view-1.json");
  static const std::string old_id = "evt_9tL1YnsRjRa0vhByTPGVlN4CC0";
  std::string event = original;
  event.replace(event.find(old_id), old_id.size(), id);
  return event;
}

// The recording worker's lines (an event id, maybe " env=…"), in the order written.
inline std::vector<std::string> recorded_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Polls `done` every 50 ms (each check reads files or scrapes /metrics) up to `limit`.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::seconds limit) {
  return wait_for(done, limit, std::chrono::milliseconds(50));
}

// One message of the stream, as stored.
struct StoredMessage {
  std::string subject, data;
  std::map<std::string, std::string> headers;
};

// Every message of `stream`, read one by one with JetStream's direct get.
inline std::vector<StoredMessage> read_stream(const std::string& url, const std::string& stream) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK ||
      natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) {
    natsConnection_Destroy(nc);
    throw std::runtime_error("read_stream: cannot connect to " + url);
  }
  std::vector<StoredMessage> out;
  jsStreamInfo* info = nullptr;
  if (js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
    for (std::uint64_t seq = info->State.FirstSeq; seq != 0 && seq <= info->State.LastSeq; ++seq) {
      natsMsg* msg = nullptr;
      if (js_GetMsg(&msg, js, stream.c_str(), seq, nullptr, nullptr) != NATS_OK) continue;
      StoredMessage m{natsMsg_GetSubject(msg),
                      std::string(natsMsg_GetData(msg), std::size_t(natsMsg_GetDataLength(msg))),
                      {}};
      const char** keys = nullptr;
      int count = 0;
      if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
        for (int k = 0; k < count; ++k) {
          const char* value = nullptr;
          if (natsMsgHeader_Get(msg, keys[k], &value) == NATS_OK) m.headers[keys[k]] = value;
        }
        free(keys);
      }
      out.push_back(std::move(m));
      natsMsg_Destroy(msg);
    }
    jsStreamInfo_Destroy(info);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return out;
}

// Creates gbrt's stream holding at most `max_messages`, refusing more (before gbrt-server
// starts: it keeps an existing stream's configuration); true if created.
inline bool create_small_stream(const std::string& url, const std::string& stream,
                                std::int64_t max_messages) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {"gbrt.events.>", "gbrt.dead.>"};
  config.Name = stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 2;
  config.MaxMsgs = max_messages;
  config.Discard = js_DiscardNew;
  bool created = natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK &&
                 natsConnection_JetStream(&js, nc, nullptr) == NATS_OK;
  jsStreamInfo* info = nullptr;
  created = created && js_AddStream(&info, js, &config, nullptr, nullptr) == NATS_OK;
  jsStreamInfo_Destroy(info);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return created;
}

// Deletes `stream` (and what it stored); true if it was there.
inline bool delete_stream(const std::string& url, const std::string& stream) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  bool deleted = natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK &&
                 natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
                 js_DeleteStream(js, stream.c_str(), nullptr, nullptr) == NATS_OK;
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return deleted;
}

}  // namespace gbrt::test
