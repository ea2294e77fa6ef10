#include "runtime/worker.hpp"

#include <algorithm>

#include "net/stamped_read.hpp"

#include "palette/error.hpp"

namespace palette::emu {
namespace {

// A request's clock starts when it reached the machine, but at most this long before its thread read
// it: waking a thread costs this runtime tens of µs (lost time, absorbed by live correction); a longer
// wait in the socket means the service was busy, starved of CPU or not started yet — contention or
// queueing, which must show.
constexpr auto kWakeUpAllowance = std::chrono::microseconds(150);

tcp::endpoint resolve(const Endpoint& e) {
  error_code ec;
  auto address = asio::ip::make_address(e.host, ec);
  if (!ec) return tcp::endpoint(address, e.port);
  asio::io_context ctx;
  tcp::resolver resolver(ctx);
  auto results = resolver.resolve(e.host, std::to_string(e.port), ec);
  if (ec || results.empty())
    throw Error(ErrorKind::bad_value, "cannot resolve host \"" + e.host + "\": " + ec.message()).at_key("peers");
  return *results.begin();
}

}  // namespace

ServiceShared::ServiceShared(const model::Topology& t, ServiceConfig c)
    : topology(t), config(std::move(c)), sampler(t, config.seed) {
  config.validate(t);
  hosted_api.assign(t.apis.size(), 0);
  // Work spec: the config's per-service choice, else the topology's, else the config's default.
  work_of_service.assign(t.services.size(), config.work);
  for (size_t s = 0; s < t.services.size(); ++s)
    if (!t.services[s].work.empty()) work_of_service[s] = parse_work_kind(t.services[s].work);
  peer_of_service.resize(t.services.size());
  limiter_of_service.resize(t.services.size());
  for (const auto& name : config.services) {
    uint32_t s = t.find_service(name);
    for (size_t a = 0; a < t.apis.size(); ++a)
      if (t.apis[a].service == s) hosted_api[a] = 1;
    uint32_t limit = config.concurrency.value_or(t.services[s].workers);
    if (limit > 0) limiter_of_service[s] = std::make_unique<Limiter>(limit);
  }
  for (const auto& [name, kind] : config.work_per_service) work_of_service[t.find_service(name)] = kind;
  for (const auto& [name, replicas] : config.peers)
    for (const auto& e : replicas) peer_of_service[t.find_service(name)].push_back(resolve(e));
  if (!config.spans_path.empty()) spans = std::make_unique<SpanLog>(config.spans_path);
  call_timeout = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.call_timeout_s));
}

Worker::Worker(ServiceShared& shared) : shared_(shared), units_(shared.config.calibration) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  guard_.emplace(ctx_.get_executor());
  thread_ = std::thread([this] {
    lower_timer_slack();
    if (std::string problem = apply_to_this_thread(shared_.config.scheduling); !problem.empty()) shared_.log(problem);
    ctx_.run();
  });
}

void Worker::stop() {
  guard_.reset();
  ctx_.stop();
  if (thread_.joinable()) thread_.join();
}

void Worker::adopt(tcp::socket socket, const std::string& peer) {
  ++shared_.connections;
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  enable_receive_timestamps(socket);
  auto conn = std::make_shared<Connection>(ctx_);
  conn->socket = std::move(socket);
  asio::co_spawn(ctx_, read_requests(std::move(conn), peer), asio::detached);
}

Channel& Worker::channel(uint32_t service) {
  if (channels_.empty()) {
    channels_.resize(shared_.topology.services.size());
    next_replica_.assign(shared_.topology.services.size(), 0);
  }
  auto& replicas = channels_[service];
  const auto& peers = shared_.peer_of_service[service];
  const std::string& name = shared_.topology.services[service].name;
  if (peers.empty()) throw Error(ErrorKind::internal, "no endpoint for service " + name);
  if (replicas.empty()) replicas.resize(peers.size());
  // Calls spread over the replicas in turn.
  const size_t r = next_replica_[service]++ % peers.size();
  if (!replicas[r]) {
    ChannelOptions o;
    o.max_payload_bytes = shared_.config.max_payload_bytes;
    o.log = shared_.config.log;
    replicas[r] = std::make_unique<Channel>(ctx_, peers[r], peers.size() > 1 ? name + "#" + std::to_string(r) : name, o);
  }
  return *replicas[r];
}

void Worker::respond(const std::shared_ptr<Connection>& conn, const ResponseFrame& response) {
  if (!conn->open) return;  // the caller went away; its answer goes nowhere
  append_response(conn->out, response);
  if (!conn->writing) asio::co_spawn(ctx_, write_queued(conn), [](std::exception_ptr, error_code) {});
}

awaitable<void> Worker::read_requests(std::shared_ptr<Connection> conn, std::string peer) {
  FrameParser parser(FrameType::request, shared_.config.max_payload_bytes);
  std::vector<char> buf(64 * 1024);
  for (;;) {
    error_code ec;
    Clock::time_point arrived;
    size_t n = co_await read_some_stamped(conn->socket, buf.data(), buf.size(), &arrived, ec);
    // End of stream: requests in flight still answer (the socket closes with their last reference).
    if (ec == asio::error::eof) co_return;
    if (ec) break;  // reset: requests in flight finish unheard
    const auto received = std::max(arrived, Clock::now() - kWakeUpAllowance);
    const char* d = buf.data();
    const char* end = d + n;
    for (;;) {
      auto r = parser.next(&d, end);
      if (r == FrameParser::Parsed::need_more) break;
      std::string why = r == FrameParser::Parsed::malformed ? parser.error() : check_request(parser.request(), shared_.topology);
      if (!why.empty()) {
        ++shared_.malformed;
        shared_.log("malformed frame from " + peer + " after " + std::to_string(parser.frames()) +
                    " good ones: " + why + "; closing the connection");
        conn->close();
        co_return;
      }
      const RequestFrame& request = parser.request();
      if (!shared_.hosted_api[request.api]) {
        ++shared_.bad_requests;
        shared_.log("request from " + peer + " for " + shared_.topology.api_label(request.api) +
                    ", which this process does not serve");
        ResponseFrame response;
        response.call_id = request.call_id;
        response.status = Status::bad_request;
        respond(conn, response);
        continue;
      }
      asio::co_spawn(ctx_, invoke(conn, request, received), asio::detached);
    }
  }
  conn->close();
}

}  // namespace palette::emu
