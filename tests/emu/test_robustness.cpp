// A service survives what clients do to it: garbage, oversized frames, unknown APIs, requests for a
// service it does not host, a client that disconnects mid-request. Each bad frame closes only its own
// connection; the service goes on answering everyone else.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "emu_load.hpp"
#include "palette/emu/example_topologies.hpp"
#include "palette/emu/in_process.hpp"
#include "palette/emu/load_generator.hpp"
#include "palette/emu/wire.hpp"

using namespace palette;
using namespace palette::emu;

namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the service may close first: that is the point
    done += static_cast<size_t>(n);
  }
}

// Reads until the peer closes or `timeout_ms` passes; returns what was read and whether it closed.
std::pair<std::string, bool> read_until_closed(int fd, int timeout_ms) {
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return {got, false};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {got, true};
    got.append(buf, static_cast<size_t>(n));
  }
}

RequestFrame request_for(model::ApiIndex api) {
  RequestFrame f;
  f.call_id = 1;
  f.api = api;
  f.trace.trace_id = Id128{1, 2};
  f.baggage.key = 99;
  return f;
}

// The deployment still serves a normal workload, every request ok.
void expect_still_serving(const model::Topology& t, InProcessDeployment& d) {
  LoadResult r = test::run_constant_load(t, d, 500, 50);
  ASSERT_EQ(r.requests.size(), 50u);
  EXPECT_EQ(test::count_status(r, model::RequestStatus::ok), 50u);
}

struct Robustness : ::testing::Test {
  model::Topology topology = chain_topology(2, 100, 0);
  InProcessDeployment deployment{topology, ServiceConfig{}};
  uint16_t s0_port() { return deployment.endpoints().at("s0").front().port; }
};

}  // namespace

TEST_F(Robustness, GarbageClosesOnlyThatConnection) {
  int fd = connect_to(s0_port());
  send_all(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto [got, closed] = read_until_closed(fd, 2000);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(got.empty());
  ::close(fd);
  expect_still_serving(topology, deployment);
  EXPECT_EQ(deployment.service("s0").stats().malformed_frames, 1u);
}

TEST_F(Robustness, OversizedFrameIsRefusedBeforeItsPayload) {
  RequestFrame f = request_for(0);
  std::string bytes;
  append_request(bytes, f);
  bytes[7] = 0x7F;  // announces a ~2 GB payload: refused from the prefix, nothing buffered
  int fd = connect_to(s0_port());
  send_all(fd, bytes.substr(0, wire::kPrefixBytes));
  EXPECT_TRUE(read_until_closed(fd, 2000).second);
  ::close(fd);
  expect_still_serving(topology, deployment);
}

TEST_F(Robustness, UnknownApiIsMalformedAndUnhostedApiIsABadRequest) {
  int fd = connect_to(s0_port());
  std::string bytes;
  append_request(bytes, request_for(42));  // no such API in the topology
  send_all(fd, bytes);
  EXPECT_TRUE(read_until_closed(fd, 2000).second);
  ::close(fd);

  fd = connect_to(s0_port());
  bytes.clear();
  append_request(bytes, request_for(1));  // s1:op, which s0's process does not serve
  send_all(fd, bytes);
  FrameParser p(FrameType::response);
  std::string got;
  for (int tries = 0; tries < 100 && got.size() < wire::kResponseHeaderBytes; ++tries) got += read_until_closed(fd, 20).first;
  const char* d = got.data();
  ASSERT_EQ(p.next(&d, got.data() + got.size()), FrameParser::Parsed::frame);
  EXPECT_EQ(p.response().status, Status::bad_request);
  EXPECT_EQ(p.response().call_id, 1u);
  ::close(fd);
  EXPECT_EQ(deployment.service("s0").stats().bad_requests, 1u);
  expect_still_serving(topology, deployment);
}

TEST_F(Robustness, ClientThatDisconnectsMidRequestDoesNotHurt) {
  for (int k = 0; k < 20; ++k) {
    int fd = connect_to(s0_port());
    std::string bytes;
    RequestFrame f = request_for(0);
    f.response_bytes = 1 << 20;  // a large answer nobody will read
    append_request(bytes, f);
    if (k % 2) bytes.resize(bytes.size() / 2);  // and half a frame
    send_all(fd, bytes);
    if (k % 3 == 0) {
      linger l{1, 0};  // a reset rather than a clean close
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the whole requests finish meanwhile
  expect_still_serving(topology, deployment);
  EXPECT_EQ(deployment.service("s0").stats().invocations, 10u + 50u);
}

TEST_F(Robustness, AFailingCalleeIsAnErrorStatusNotAHang) {
  deployment.service("s1").stop();  // s0 can no longer reach s1
  LoadResult r = test::run_constant_load(topology, deployment, 200, 20);
  ASSERT_EQ(r.requests.size(), 20u);
  EXPECT_EQ(test::count_status(r, model::RequestStatus::error), 20u);
  EXPECT_LT(r.wall_s, 5.0);
  EXPECT_EQ(deployment.service("s0").stats().errors, 20u);
}
