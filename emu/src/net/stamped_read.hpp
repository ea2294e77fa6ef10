#pragma once
// Reads that also say when the data reached this machine: the kernel's receive timestamp
// (SO_TIMESTAMPNS), not the moment this thread got round to reading it. After an idle spell (a halted
// vCPU takes tens of µs to wake) the two differ by 30-100 µs per message — time the traced system did
// not spend. A service starts its clock at the kernel's time (within an allowance, worker.cpp), so the
// delay is lost time that live correction absorbs; the load generator measures latency up to the
// response's arrival, not up to its own wake-up.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "net/asio.hpp"

namespace palette::emu {

// Asks the kernel to timestamp what arrives on the socket.
inline void enable_receive_timestamps(tcp::socket& s) {
  int one = 1;
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
}

// Reads what is there (waiting for at least a byte); *arrived is the kernel's receive time of the
// data read (of its last segment when several came together), or now when the kernel gave none.
// On failure returns 0 with `ec` set (asio::error::eof at the end of the stream).
inline awaitable<size_t> read_some_stamped(tcp::socket& s, char* data, size_t size, Clock::time_point* arrived, error_code& ec) {
  for (;;) {
    iovec iov{data, size};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(s.native_handle(), &msg, MSG_DONTWAIT);
    if (n > 0) {
      const auto now = Clock::now();
      *arrived = now;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        timespec real;
        ::clock_gettime(CLOCK_REALTIME, &real);
        const int64_t ago_ns = (real.tv_sec - ts.tv_sec) * 1000000000LL + (real.tv_nsec - ts.tv_nsec);
        if (ago_ns > 0 && ago_ns < 1000000000LL) *arrived = now - std::chrono::nanoseconds(ago_ns);
      }
      ec = {};
      co_return static_cast<size_t>(n);
    }
    if (n == 0) {
      ec = asio::error::eof;
      co_return 0;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = error_code(errno, boost::system::system_category());
      co_return 0;
    }
    co_await s.async_wait(tcp::socket::wait_read, no_throw(ec));
    if (ec) co_return 0;
  }
}

}  // namespace palette::emu
