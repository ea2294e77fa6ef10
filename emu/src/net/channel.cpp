#include "net/channel.hpp"

#include "net/stamped_read.hpp"

namespace palette::emu {

// One connection's worth of calls. A lane outlives its connections: after a failure the next call
// opens a new one.
struct Lane {
  std::shared_ptr<Connection> conn;  // null when down; set (not yet connected) while connecting
  bool connected = false;
  std::unordered_map<uint64_t, PendingCall*> pending;
  uint64_t next_id = 1;
  Clock::time_point failed_at{};
  std::string last_error;
};

PendingCall::~PendingCall() {
  if (lane_) lane_->pending.erase(call_id_);
}

void PendingCall::finish(Status status, std::string error) {
  lane_ = nullptr;
  done = true;
  result.status = status;
  result.error = std::move(error);
  result.received = Clock::now();
  timer_.cancel();
}

Channel::Channel(asio::io_context& ctx, tcp::endpoint peer, std::string peer_name, ChannelOptions options)
    : ctx_(ctx), peer_(peer), peer_name_(std::move(peer_name)), options_(std::move(options)) {
  for (uint32_t k = 0; k < std::max(1u, options_.lanes); ++k) lanes_.push_back(std::make_unique<Lane>());
}

Channel::~Channel() {
  // Calls still registered belong to coroutine frames that will never resume: detach them.
  for (auto& lane : lanes_) {
    for (auto& [id, call] : lane->pending) call->lane_ = nullptr;
    lane->pending.clear();
    if (lane->conn) lane->conn->close();
  }
}

std::unique_ptr<PendingCall> Channel::start(RequestFrame frame, Clock::duration timeout) {
  Lane& lane = *lanes_[next_lane_++ % lanes_.size()];
  auto call = std::make_unique<PendingCall>(ctx_);
  call->result.sent = Clock::now();
  if (!lane.conn && call->result.sent - lane.failed_at < options_.reconnect_backoff) {
    call->finish(Status::error, lane.last_error);  // the peer just failed: fail fast
    return call;
  }
  frame.call_id = lane.next_id++;
  call->call_id_ = frame.call_id;
  call->lane_ = &lane;
  call->timer_.expires_at(call->result.sent + timeout);
  lane.pending.emplace(frame.call_id, call.get());
  if (!lane.conn) {
    lane.conn = std::make_shared<Connection>(ctx_);
    lane.connected = false;
    append_request(lane.conn->out, frame);
    asio::co_spawn(ctx_, connect(lane, lane.conn), asio::detached);
  } else {
    append_request(lane.conn->out, frame);
    if (lane.connected && !lane.conn->writing) asio::co_spawn(ctx_, write(lane, lane.conn), asio::detached);
  }
  return call;
}

awaitable<void> Channel::wait(PendingCall& call) {
  if (!call.done) {
    error_code ec;
    co_await call.timer_.async_wait(no_throw(ec));
  }
  if (!call.done) {
    if (call.lane_) call.lane_->pending.erase(call.call_id_);
    call.finish(Status::timeout, "no answer before the deadline");
  }
}

void Channel::fail(Lane& lane, const std::shared_ptr<Connection>& conn, const std::string& why) {
  if (lane.conn != conn) return;  // an older connection, already replaced
  conn->close();
  lane.conn.reset();
  lane.connected = false;
  lane.failed_at = Clock::now();
  lane.last_error = why;
  auto pending = std::move(lane.pending);
  lane.pending.clear();
  for (auto& [id, call] : pending) call->finish(Status::error, why);
  // An idle connection the peer closed (it stopped, at the end of a run) failed no call: not news.
  if (options_.log && !pending.empty()) options_.log(why + " (" + std::to_string(pending.size()) + " call(s) failed)");
}

awaitable<void> Channel::connect(Lane& lane, std::shared_ptr<Connection> conn) {
  error_code ec;
  co_await conn->socket.async_connect(peer_, no_throw(ec));
  if (ec) {
    fail(lane, conn, "cannot connect to " + peer_name_ + ": " + ec.message());
    co_return;
  }
  if (lane.conn != conn) co_return;
  conn->socket.set_option(tcp::no_delay(true), ec);
  enable_receive_timestamps(conn->socket);
  lane.connected = true;
  asio::co_spawn(ctx_, read_loop(lane, conn), asio::detached);
  if (!conn->writing) co_await write(lane, conn);
}

awaitable<void> Channel::write(Lane& lane, std::shared_ptr<Connection> conn) {
  error_code ec = co_await write_queued(conn);
  if (ec) fail(lane, conn, "connection to " + peer_name_ + " failed while sending: " + ec.message());
}

awaitable<void> Channel::read_loop(Lane& lane, std::shared_ptr<Connection> conn) {
  FrameParser parser(FrameType::response, options_.max_payload_bytes);
  std::vector<char> buf(64 * 1024);
  for (;;) {
    error_code ec;
    Clock::time_point arrived;
    size_t n = co_await read_some_stamped(conn->socket, buf.data(), buf.size(), &arrived, ec);
    if (lane.conn != conn) co_return;
    if (ec) {
      fail(lane, conn, "connection to " + peer_name_ + " lost: " + ec.message());
      co_return;
    }
    const char* d = buf.data();
    const char* end = d + n;
    for (;;) {
      auto r = parser.next(&d, end);
      if (r == FrameParser::Parsed::need_more) break;
      if (r == FrameParser::Parsed::malformed) {
        fail(lane, conn, "malformed response from " + peer_name_ + ": " + parser.error());
        co_return;
      }
      const ResponseFrame& f = parser.response();
      auto it = lane.pending.find(f.call_id);
      if (it == lane.pending.end()) continue;  // timed out already
      PendingCall* call = it->second;
      lane.pending.erase(it);
      call->result.server_us = static_cast<double>(f.server_ns) / 1000.0;
      call->result.excess_us = static_cast<double>(f.excess_ns) / 1000.0;
      call->finish(f.status, f.status == Status::ok ? "" : peer_name_ + " answered " + to_string(f.status));
      call->result.received = arrived;  // when the answer reached this machine
    }
  }
}

}  // namespace palette::emu
