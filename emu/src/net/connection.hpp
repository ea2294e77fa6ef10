#pragma once
// Connection: a TCP socket plus the frames queued for it. Many coroutines of one thread queue frames;
// one writer at a time sends everything queued so far in a single write, so frames issued together
// (the calls of a concurrent step, responses finishing together) cost one system call.
#include <memory>
#include <string>

#include "net/asio.hpp"

namespace palette::emu {

struct Connection {
  explicit Connection(asio::io_context& ctx) : socket(ctx) {}
  tcp::socket socket;
  std::string out;        // queued, not yet handed to the kernel
  std::string in_flight;  // being written
  bool writing = false;   // a write_queued is running
  bool open = true;       // false once closed: queued frames are dropped

  void close() {
    open = false;
    out.clear();
    error_code ignored;
    socket.close(ignored);
  }
};

// Writes queued frames until none are left or the socket fails; returns the error, if any. At most
// one runs per connection: callers check and set nothing, this sets `writing` for its whole run.
inline awaitable<error_code> write_queued(std::shared_ptr<Connection> c) {
  c->writing = true;
  error_code ec;
  while (c->open && !c->out.empty()) {
    c->in_flight.clear();
    c->in_flight.swap(c->out);
    co_await asio::async_write(c->socket, asio::buffer(c->in_flight), no_throw(ec));
    if (ec) break;
  }
  c->writing = false;
  co_return ec;
}

}  // namespace palette::emu
