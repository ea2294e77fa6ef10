#include "engine/resources.hpp"

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "engine/pool.hpp"
#include "engine/routes.hpp"
#include "palette/error.hpp"

namespace sg4 = simgrid::s4u;

namespace palette::sim::engine {
namespace {

enum : uint32_t { kBurstFastDone = 1, kMessageLatencyDone = 2, kTransferFastDone = 3 };

// What a SimGrid activity's data points to: a burst or a transfer.
struct SgUser {
  bool is_transfer = false;
};

struct Burst : SgUser {
  Continuation done;
  uint32_t host = 0, slot = 0, gen = 0;
  double end = 0;  // closed form: when it ends
  sg4::ExecPtr exec;
};

struct Transfer : SgUser {
  Transfer() { is_transfer = true; }
  Continuation done;
  uint32_t src = 0, dst = 0, gen = 0, nlinks = 0;
  uint32_t links[3] = {0, 0, 0};
  double bytes = 0, rate = 0, end = 0;
  bool owns_links = false;  // closed form on idle links
  sg4::CommPtr comm;
};

struct HostState {
  uint32_t cores = 1;
  double speed = 1e9;
  std::vector<Burst*> fast;  // bursts running in closed form: fewer than `cores`, none in SimGrid
  uint32_t in_simgrid = 0;
  sg4::Host* sg = nullptr;
};

// Who uses a link: one closed-form transfer, or any number in SimGrid (never both).
struct LinkState {
  Transfer* fast_owner = nullptr;
  uint32_t in_simgrid = 0;
};

bool g_engine_created = false;

}  // namespace

struct Resources::Impl {
  Impl(const PlatformSpec& platform, const std::vector<HostSpec>& host_specs, EventQueue& q, Options o)
      : queue(q), options(o), network(platform.network), layout(platform.layout), routes(platform, host_specs) {
    if (g_engine_created)
      throw Error(ErrorKind::unsupported, "SimGrid runs one simulation per process").with_hint("run simulations isolated (SimOptions::isolate)");
    g_engine_created = true;
    build_engine();
    build_platform(platform, host_specs);
    current = this;
    static bool connected = false;
    if (!connected) {
      connected = true;
      sg4::Activity::on_completion_cb([](const sg4::Activity& a) {
        if (current) current->completed(a);
      });
    }
    engine->track_vetoed_activities(&stop_marks);
    engine->run_until(0.0);  // seals the platform
    stats.busy_core_s.assign(host_specs.size(), 0.0);
  }

  ~Impl() {
    current = nullptr;
    graveyard.clear();
  }

  void build_engine() {
    // Silence SimGrid (the library never prints); CM02 so link parameters mean what they say; no
    // ACK cross-traffic, so a link's two directions are independent (the closed form relies on it).
    std::vector<std::string> args{"palette-sim", "--log=root.thresh:critical", "--log=xbt_cfg.thresh:critical",
                                  "--cfg=network/model:CM02", "--cfg=network/crosstraffic:0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    engine = std::make_unique<sg4::Engine>(&argc, argv.data());
  }

  void build_platform(const PlatformSpec& platform, const std::vector<HostSpec>& specs) {
    const auto n = static_cast<uint32_t>(specs.size());
    // SimGrid's links carry bandwidth only: the route latency is paid before a transfer starts.
    sg4::NetZone* zone = layout == Layout::star ? sg4::create_star_zone("palette") : sg4::create_full_zone("palette");
    std::vector<sg4::Link*> up(n), loop(n);
    std::vector<sg4::SplitDuplexLink*> duplex(n);
    links.resize(routes.links().size());
    for (uint32_t i = 0; i < n; ++i) {
      const HostSpec& h = specs[i];
      HostState hs;
      hs.cores = h.cores;
      hs.speed = h.speed_flops;
      hs.sg = zone->create_host(h.name, h.speed_flops)->set_core_count(static_cast<int>(h.cores))->seal();
      hosts.push_back(std::move(hs));
      const LinkSpec& l = h.link ? *h.link : platform.link;
      duplex[i] = zone->create_split_duplex_link(h.name + "_link", l.bandwidth_Bps);
      duplex[i]->set_latency(0)->seal();
      loop[i] = zone->create_link(h.name + "_loopback", platform.loopback.bandwidth_Bps)->set_latency(0)->seal();
    }
    if (layout == Layout::star) {
      for (uint32_t i = 0; i < n; ++i) {
        zone->add_route(hosts[i].sg->get_netpoint(), nullptr, nullptr, nullptr,
                        {sg4::LinkInRoute(duplex[i], sg4::LinkInRoute::Direction::UP)}, true);
        zone->add_route(hosts[i].sg->get_netpoint(), hosts[i].sg->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(loop[i])}, false);
      }
    } else {
      sg4::Link* backbone = zone->create_link("backbone", platform.backbone.bandwidth_Bps)->set_latency(0)->seal();
      for (uint32_t a = 0; a < n; ++a)
        for (uint32_t b = 0; b < n; ++b) {
          if (a == b) {
            zone->add_route(hosts[a].sg->get_netpoint(), hosts[a].sg->get_netpoint(), nullptr, nullptr, {sg4::LinkInRoute(loop[a])}, false);
          } else {
            zone->add_route(hosts[a].sg->get_netpoint(), hosts[b].sg->get_netpoint(), nullptr, nullptr,
                            {sg4::LinkInRoute(duplex[a], sg4::LinkInRoute::Direction::UP), sg4::LinkInRoute(backbone),
                             sg4::LinkInRoute(duplex[b], sg4::LinkInRoute::Direction::DOWN)},
                            false);
          }
        }
    }
    zone->seal();
  }

  // SimGrid's clock to `now` (it lags while SimGrid is idle).
  void sync(double now) {
    if (sg4::Engine::get_clock() < now) engine->run_until(now);
  }

  void compute(uint32_t host, double now, double seconds, Continuation done) {
    ++stats.bursts;
    stats.busy_core_s[host] += seconds;
    HostState& h = hosts[host];
    Burst* b = bursts.get();
    b->done = done;
    b->host = host;
    ++b->gen;
    if (options.fast_path && h.in_simgrid == 0 && h.fast.size() < h.cores) {
      b->end = now + seconds;
      b->slot = static_cast<uint32_t>(h.fast.size());
      h.fast.push_back(b);
      queue.push(b->end, Continuation{kBurstFastDone, b->gen, b});
      return;
    }
    sync(now);
    // Every core is busy: from now on the host's bursts share it, which SimGrid's CPU model decides.
    for (Burst* f : h.fast) {
      ++f->gen;  // its closed-form end no longer holds
      start_burst(f, std::max(0.0, f->end - now) * h.speed);
    }
    h.fast.clear();
    start_burst(b, seconds * h.speed);
  }

  void start_burst(Burst* b, double flops) {
    HostState& h = hosts[b->host];
    ++h.in_simgrid;
    ++stats.bursts_in_simgrid;
    ++inflight;
    b->exec = sg4::Exec::init();
    b->exec->set_host(h.sg)->set_flops_amount(flops);
    b->exec->set_data(static_cast<SgUser*>(b));
    b->exec->start();
  }

  void send(uint32_t src, uint32_t dst, double now, double delay, double bytes, Continuation done) {
    ++stats.messages;
    Transfer* t = transfers.get();
    ++t->gen;
    t->done = done;
    t->src = src;
    t->dst = dst;
    t->bytes = bytes;
    const Route r = routes.route(src, dst);
    t->nlinks = r.n;
    std::copy(r.links, r.links + r.n, t->links);
    t->rate = r.rate;
    t->owns_links = false;
    // CM02: the latency is a pure delay before any byte moves.
    queue.push(now + delay + r.latency, Continuation{kMessageLatencyDone, t->gen, t});
  }

  // The transfer phase of a message whose latency has been paid.
  bool start_transfer(Transfer* t, double now, Continuation* out) {
    if (t->bytes <= 0) {
      *out = t->done;
      transfers.put(t);
      return true;
    }
    ++stats.transfers;
    if (network == NetworkModel::constant) {
      t->end = now + t->bytes / t->rate;
      queue.push(t->end, Continuation{kTransferFastDone, t->gen, t});
      return false;
    }
    bool idle = options.fast_path;
    for (uint32_t k = 0; k < t->nlinks && idle; ++k) {
      const LinkState& l = links[t->links[k]];
      idle = l.fast_owner == nullptr && l.in_simgrid == 0;
    }
    if (idle) {
      t->owns_links = true;
      for (uint32_t k = 0; k < t->nlinks; ++k) links[t->links[k]].fast_owner = t;
      t->end = now + t->bytes / t->rate;
      queue.push(t->end, Continuation{kTransferFastDone, t->gen, t});
      return false;
    }
    sync(now);
    // A link is shared from now on: its closed-form transfer moves into SimGrid with what it has left.
    for (uint32_t k = 0; k < t->nlinks; ++k)
      if (Transfer* o = links[t->links[k]].fast_owner) {
        ++o->gen;
        release_links(o);
        start_transfer_in_simgrid(o, std::max(0.0, o->end - now) * o->rate, now);
      }
    start_transfer_in_simgrid(t, t->bytes, now);
    return false;
  }

  void release_links(Transfer* t) {
    if (!t->owns_links) return;
    for (uint32_t k = 0; k < t->nlinks; ++k) links[t->links[k]].fast_owner = nullptr;
    t->owns_links = false;
  }

  void start_transfer_in_simgrid(Transfer* t, double bytes, double now) {
    const auto whole = static_cast<uint64_t>(std::llround(bytes));
    if (whole == 0) {  // nothing left to move (SimGrid would never start an empty transfer)
      queue.push(now, t->done);
      transfers.put(t);
      return;
    }
    for (uint32_t k = 0; k < t->nlinks; ++k) ++links[t->links[k]].in_simgrid;
    ++stats.transfers_in_simgrid;
    ++inflight;
    t->comm = sg4::Comm::sendto_init();
    t->comm->set_payload_size(whole)->set_rate(t->rate);
    t->comm->set_data(static_cast<SgUser*>(t));
    t->comm->set_source(hosts[t->src].sg)->set_destination(hosts[t->dst].sg);  // both set: it starts
  }

  bool handle(const Event& e, double now, Continuation* out) {
    switch (e.what.kind) {
      case kBurstFastDone: {
        auto* b = static_cast<Burst*>(e.what.obj);
        if (e.what.arg != b->gen) return false;  // moved into SimGrid meanwhile
        HostState& h = hosts[b->host];
        h.fast[b->slot] = h.fast.back();
        h.fast[b->slot]->slot = b->slot;
        h.fast.pop_back();
        *out = b->done;
        bursts.put(b);
        return true;
      }
      case kMessageLatencyDone: {
        auto* t = static_cast<Transfer*>(e.what.obj);
        return start_transfer(t, now, out);
      }
      case kTransferFastDone: {
        auto* t = static_cast<Transfer*>(e.what.obj);
        if (e.what.arg != t->gen) return false;
        release_links(t);
        *out = t->done;
        transfers.put(t);
        return true;
      }
      default:
        throw Error(ErrorKind::internal, "unknown resource event " + std::to_string(e.what.kind));
    }
  }

  // SimGrid finished an activity: queue its continuation and stop SimGrid's loop.
  void completed(const sg4::Activity& a) {
    auto* u = a.get_data<SgUser>();
    if (!u) return;
    ++stats.simgrid_completions;
    --inflight;
    const double now = sg4::Engine::get_clock();
    if (u->is_transfer) {
      auto* t = static_cast<Transfer*>(u);
      for (uint32_t k = 0; k < t->nlinks; ++k) --links[t->links[k]].in_simgrid;
      graveyard.push_back(std::move(t->comm));
      queue.push(now, t->done);
      transfers.put(t);
    } else {
      auto* b = static_cast<Burst*>(u);
      --hosts[b->host].in_simgrid;
      graveyard.push_back(std::move(b->exec));
      queue.push(now, b->done);
      bursts.put(b);
    }
    const_cast<sg4::Activity&>(a).set_data(nullptr);
    stop_marks.insert(const_cast<sg4::Activity*>(&a));
  }

  bool advance(double t) {
    ++stats.simgrid_advances;
    stop_marks.clear();
    if (std::isinf(t)) {
      engine->run();
    } else {
      // run_until may stop a little short of t (SimGrid compares dates to 1e-5 s): go on until t.
      double before = -1;
      while (stop_marks.empty() && sg4::Engine::get_clock() < t) {
        double clock = sg4::Engine::get_clock();
        if (clock == before) break;  // no progress: nothing left before t
        before = clock;
        engine->run_until(t);
      }
    }
    bool completed_something = !stop_marks.empty();
    stop_marks.clear();
    // The activities SimGrid reported are released here, outside its loop (it still used them there).
    graveyard.clear();
    if (!completed_something && std::isinf(t) && inflight > 0)
      throw Error(ErrorKind::internal, "SimGrid stopped with activities in flight");
    return completed_something;
  }

  static inline Impl* current = nullptr;
  EventQueue& queue;
  Options options;
  NetworkModel network;
  Layout layout;
  Routes routes;
  std::unique_ptr<sg4::Engine> engine;
  std::vector<HostState> hosts;
  std::vector<LinkState> links;  // numbered as Routes numbers them
  Pool<Burst> bursts;
  Pool<Transfer> transfers;
  uint64_t inflight = 0;
  std::set<sg4::Activity*> stop_marks;
  std::vector<sg4::ActivityPtr> graveyard;
  ResourceStats stats;
};

Resources::Resources(const PlatformSpec& platform, const std::vector<HostSpec>& hosts, EventQueue& queue, Options options)
    : impl_(std::make_unique<Impl>(platform, hosts, queue, options)) {}
Resources::~Resources() = default;

void Resources::compute(uint32_t host, double now, double seconds, Continuation done) { impl_->compute(host, now, seconds, done); }
void Resources::send(uint32_t src, uint32_t dst, double now, double delay, double bytes, Continuation done) {
  impl_->send(src, dst, now, delay, bytes, done);
}
bool Resources::handle(const Event& e, double now, Continuation* out) { return impl_->handle(e, now, out); }
bool Resources::busy() const { return impl_->inflight > 0; }
bool Resources::advance(double t) { return impl_->advance(t); }
double Resources::idle_message_time(uint32_t src, uint32_t dst, double bytes) const {
  return impl_->routes.idle_time(src, dst, bytes);
}
const ResourceStats& Resources::stats() const { return impl_->stats; }

}  // namespace palette::sim::engine
