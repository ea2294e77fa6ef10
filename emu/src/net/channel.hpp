#pragma once
// Channel: the client side of calls to one peer, for one thread (one io_context). Calls are
// multiplexed over a few TCP connections ("lanes", used round-robin): a call appends its request
// frame to its lane's output (requests issued together leave in one write), registers under its call
// id, and completes when the matching response arrives, when the lane fails, or at its deadline.
// Connections open on first use; after a failure, calls fail fast for a short back-off instead of
// hammering a dead peer.
//
//   Channel ch(ctx, peer, "search", {});
//   auto call = ch.start(frame, std::chrono::seconds(10));   co_await Channel::wait(*call);
//   if (call->result.status == Status::ok) use(call->result.server_us);
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/asio.hpp"
#include "net/connection.hpp"
#include "palette/emu/log.hpp"
#include "palette/emu/wire.hpp"

namespace palette::emu {

struct CallResult {
  Status status = Status::error;
  double server_us = 0;  // the callee's own time, as it reported it
  double excess_us = 0;  // unabsorbed runtime overhead below the callee
  Clock::time_point sent{}, received{};
  std::string error;     // why, when the call failed without a response
};

struct Lane;

// One call in flight, owned by whoever waits for it. Dropping it early unregisters it.
class PendingCall {
 public:
  explicit PendingCall(asio::io_context& ctx) : timer_(ctx) {}
  ~PendingCall();
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  CallResult result;
  bool done = false;

 private:
  friend class Channel;
  void finish(Status status, std::string error);
  asio::steady_timer timer_;
  Lane* lane_ = nullptr;
  uint64_t call_id_ = 0;
};

struct ChannelOptions {
  uint32_t lanes = 1;
  uint32_t max_payload_bytes = wire::kDefaultMaxPayloadBytes;
  Clock::duration reconnect_backoff = std::chrono::milliseconds(100);
  LogFn log;  // connection failures; may be empty
};

class Channel {
 public:
  Channel(asio::io_context& ctx, tcp::endpoint peer, std::string peer_name, ChannelOptions options);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Queues the request (its call_id is assigned here) and returns the call in flight.
  std::unique_ptr<PendingCall> start(RequestFrame frame, Clock::duration timeout);
  // Completes when the call is done: answered, failed, or timed out (a late answer is then dropped).
  static awaitable<void> wait(PendingCall& call);

  const std::string& peer_name() const { return peer_name_; }

 private:
  awaitable<void> connect(Lane& lane, std::shared_ptr<Connection> conn);
  awaitable<void> write(Lane& lane, std::shared_ptr<Connection> conn);
  awaitable<void> read_loop(Lane& lane, std::shared_ptr<Connection> conn);
  void fail(Lane& lane, const std::shared_ptr<Connection>& conn, const std::string& why);

  asio::io_context& ctx_;
  tcp::endpoint peer_;
  std::string peer_name_;
  ChannelOptions options_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  size_t next_lane_ = 0;
};

}  // namespace palette::emu
