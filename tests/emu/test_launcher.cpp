// The launcher with real processes: a run writes its results and spans; a service that cannot start,
// dies mid-run, or a Ctrl-C, ends the run with a clear message and a non-zero exit; and never is a
// process left behind (the process table is checked), not even when the launcher itself is killed.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "palette/emu/example_topologies.hpp"
#include "palette/emu/hosts_file.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/emu/sockets.hpp"
#include "palette/error.hpp"
#include "palette/ingest/ingest.hpp"
#include "support.hpp"

using namespace palette;
using namespace palette::emu;
using ::testing::HasSubstr;

namespace {

// Processes whose command line mentions `text` (the run's unique output folder), but this one.
std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = test::read_file(entry.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    pid_t pid = std::stoi(name);
    if (pid != ::getpid() && cmdline.find(text) != std::string::npos) out.push_back(pid);
  }
  return out;
}

// The pid of the process whose command line holds all of `parts` (with `prefix`: starts with the
// first), waiting for it up to 20 s.
pid_t wait_for_process(const std::vector<std::string>& parts, bool prefix = false) {
  for (int tries = 0; tries < 2000; ++tries) {
    for (pid_t pid : processes_mentioning(parts.back())) {
      std::string cmdline = test::read_file("/proc/" + std::to_string(pid) + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      bool all = std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return cmdline.find(p) != std::string::npos; });
      if (prefix && cmdline.rfind(parts.front(), 0) != 0) all = false;
      if (all) return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

bool wait_for_file_text(const std::string& path, const std::string& text) {
  for (int tries = 0; tries < 2000; ++tries) {
    if (test::read_file(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Every process of the run is gone (children of a killed launcher need a moment to be reaped).
void expect_nothing_left(const std::string& marker) {
  std::vector<pid_t> left;
  for (int tries = 0; tries < 300; ++tries) {
    left = processes_mentioning(marker);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) left, e.g. pid " << (left.empty() ? 0 : left[0]);
}

std::string palette_emu(const std::string& args) { return std::string(PALETTE_BINARY) + " emu " + args + " 2>&1"; }

// The launcher itself (not the shell popen runs it under).
pid_t wait_for_launcher(const std::string& out) {
  return wait_for_process({std::string(PALETTE_BINARY) + " emu ", out}, true);
}

// `palette emu --example EXAMPLE` running in the background (30 s of load), its services serving.
struct BackgroundEmu {
  std::string out;
  std::future<test::CommandResult> run;
  pid_t launcher = -1;

  BackgroundEmu(std::string dir, const std::string& example) : out(std::move(dir)) {
    const std::string command = palette_emu("--example " + example + " --rate 100 --duration 30 -o " + out);
    run = std::async(std::launch::async, [command] { return test::run_command(command); });
    launcher = wait_for_launcher(out);
    EXPECT_GT(launcher, 0);
    EXPECT_TRUE(wait_for_file_text(out + "/logs/s1.log", "serving"));
  }
  test::CommandResult finish() {
    EXPECT_EQ(run.wait_for(std::chrono::seconds(60)), std::future_status::ready);
    return run.get();
  }
};

EmuOptions& with_constant_load(EmuOptions& o, double rate, uint64_t requests) {
  o.workload.arrivals = model::ArrivalProcess::constant;
  o.workload.rate_per_s = rate;
  o.workload.requests = requests;
  return o;
}

}  // namespace

TEST(Launcher, RunsAnExampleAndWritesResultsAndSpans) {
  test::TempDir dir;
  EmuOptions o;
  o.output_dir = dir.file("run");
  const model::Topology topology = example_topology("chain:3:200:300");
  EmuReport r = run_emulation(topology, with_constant_load(o, 300, 300));
  EXPECT_EQ(r.requests, 300u);
  EXPECT_EQ(r.ok, 300u);
  EXPECT_EQ(r.processes, 3u);
  EXPECT_EQ(r.traces, 300u);
  EXPECT_GT(r.p50_us, 3 * 200 + 2 * 300 - 10);
  std::string summary = test::read_file(o.output_dir + "/summary.json");
  for (const char* key : {"\"backend\": \"emu\"", "\"latency_us\"", "\"s2:op\"", "\"unabsorbed_overhead_us_p50\"", "\"host_utilisation\""})
    EXPECT_THAT(summary, HasSubstr(key));
  std::string csv = test::read_file(o.output_dir + "/latencies.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 301);
  auto set = ingest::load_traces({o.output_dir + "/traces.jaeger.json"}, {});
  EXPECT_EQ(set.traces.size(), 300u);
  expect_nothing_left(o.output_dir);
}

// Across hosts: s0 on this machine, s1 and s2 on a "remote" host reached through a launch command —
// `sh -c` standing in for ssh (the same contract: one shell command line as its last argument) —
// listening on another loopback address. The topology goes there through the launch command, the
// services there say ready on stdout, stop when their stdin closes, and their spans and stats come
// back with cat: the run is as complete as a local one, and nothing is left running.
TEST(Launcher, RunsAcrossHostsThroughALaunchCommand) {
  test::TempDir dir;
  EmuOptions o;
  o.output_dir = dir.file("run");
  EmuHost here, far;
  here.name = "here";
  far.name = "far";
  far.address = "127.0.0.2";
  far.launch = "sh -c";
  far.workdir = dir.file("far-host");
  {  // a port free right now on that address (the launcher numbers remote ports from first_port)
    ListeningSocket probe = open_listening_socket(Endpoint{far.address, 0});
    far.first_port = probe.port;
    ::close(probe.fd);
  }
  o.hosts = {here, far};
  o.host_of = {{"s0", "here"}, {"s1", "far"}, {"s2", "far"}};
  const model::Topology topology = example_topology("chain:3:200:300");
  EmuReport r = run_emulation(topology, with_constant_load(o, 300, 300));
  EXPECT_EQ(r.ok, 300u);
  EXPECT_EQ(r.processes, 3u);
  EXPECT_EQ(r.traces, 300u);  // every trace whole: the far host's spans came back
  EXPECT_TRUE(std::filesystem::exists(far.workdir + "/topology.yaml"));
  EXPECT_TRUE(std::filesystem::exists(far.workdir + "/spans/s1.spans"));
  EXPECT_THAT(test::read_file(o.output_dir + "/logs/s1.log"), HasSubstr("serving s1 on port " + std::to_string(far.first_port)));
  EXPECT_THAT(test::read_file(o.output_dir + "/logs/s2.log"), HasSubstr("stopped by signal"));  // stdin closed: a clean stop
  std::string summary = test::read_file(o.output_dir + "/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"s2\": "));  // its stats (host utilisation) came back too
  auto set = ingest::load_traces({o.output_dir + "/traces.jaeger.json"}, {});
  ASSERT_EQ(set.traces.size(), 300u);
  EXPECT_EQ(set.traces[0].max_depth(), 3u);
  expect_nothing_left(far.workdir);
  expect_nothing_left(o.output_dir);
  // A host the placement names but the options do not: a clear error before anything starts.
  o.output_dir = dir.file("run2");
  o.host_of = {{"s1", "nowhere"}};
  try {
    run_emulation(topology, o);
    FAIL() << "an unknown host must be an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no host \"nowhere\""));
  }
}

TEST(Launcher, HostsFileIsReadWithLocatedErrors) {
  EmuOptions o;
  load_hosts("hosts:\n  - name: a\n    address: 10.0.0.1\n    launch: ssh a\n    first_port: 18000\n  - name: b\n"
             "place:\n  frontend: a\n",
             "testbed.yaml", o);
  ASSERT_EQ(o.hosts.size(), 2u);
  EXPECT_EQ(o.hosts[0].address, "10.0.0.1");
  EXPECT_TRUE(o.hosts[0].remote());
  EXPECT_EQ(o.hosts[0].first_port, 18000);
  EXPECT_FALSE(o.hosts[1].remote());
  EXPECT_EQ(o.hosts[1].address, "127.0.0.1");
  EXPECT_EQ(o.host_of.at("frontend"), "a");
  auto error_of = [](const std::string& text) {
    EmuOptions x;
    try {
      load_hosts(text, "testbed.yaml", x);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of("hosts:\n  - name: a\n    adress: x\n"), HasSubstr("testbed.yaml:3: hosts[0].adress: unknown key"));
  EXPECT_THAT(error_of("hosts:\n  - name: a\nplace:\n  frontend: b\n"), HasSubstr("no host \"b\" in hosts"));
  EXPECT_THAT(error_of("hosts:\n  - name: a\n    first_port: 70000\n"), HasSubstr("expected a port"));
  EXPECT_THAT(error_of("hosts:\n  - name: a\n  - name: a\n"), HasSubstr("given twice"));
}

TEST(Launcher, RefusesAFolderThatIsNotEmpty) {
  test::TempDir dir;
  dir.write("precious.txt", "keep me");
  EmuOptions o;
  o.output_dir = dir.path();
  o.workload.rate_per_s = 10;
  o.workload.requests = 1;
  try {
    run_emulation(example_topology("chain:1"), o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not empty"));
    EXPECT_THAT(e.hint(), HasSubstr("--force"));
  }
  EXPECT_EQ(test::read_file(dir.file("precious.txt")), "keep me");
}

TEST(Launcher, AServiceThatCannotStartIsReportedWithItsExit) {
  test::TempDir dir;
  EmuOptions o;
  o.output_dir = dir.file("run");
  o.workload.rate_per_s = 10;
  o.workload.requests = 1;
  o.service_binary = "/bin/false";
  try {
    run_emulation(example_topology("chain:2"), o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exited with status 1 while starting"));
  }
  expect_nothing_left(o.output_dir);
}

TEST(Launcher, AServiceKilledMidRunFailsTheRunClearlyAndNothingIsLeft) {
  test::TempDir dir;
  BackgroundEmu emu(dir.file("run"), "chain:3:200:0");
  pid_t victim = wait_for_process({emu.out, "--name s1 "});
  ASSERT_GT(victim, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // mid-run
  ::kill(victim, SIGKILL);
  test::CommandResult r = emu.finish();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("service process s1 (pid " + std::to_string(victim) + ") was killed by signal 9"));
  EXPECT_THAT(r.out, HasSubstr("during the run"));
  // The partial results are there, the failed requests recorded as errors.
  std::string csv = test::read_file(emu.out + "/latencies.csv");
  EXPECT_THAT(csv, HasSubstr(",ok\n"));
  EXPECT_THAT(csv, HasSubstr(",error\n"));
  EXPECT_THAT(test::read_file(emu.out + "/summary.json"), HasSubstr("\"failure\""));
  expect_nothing_left(emu.out);
}

TEST(Launcher, CtrlCStopsTheRunAndTearsEverythingDown) {
  test::TempDir dir;
  BackgroundEmu emu(dir.file("run"), "chain:2:100:0");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(emu.launcher, SIGINT);
  test::CommandResult r = emu.finish();
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("interrupted by Interrupt (signal 2)"));
  EXPECT_THAT(test::read_file(emu.out + "/logs/s0.log"), HasSubstr("stopped by signal 15"));  // a clean stop
  expect_nothing_left(emu.out);
}

TEST(Launcher, KillingTheLauncherItselfTakesItsServicesAlong) {
  test::TempDir dir;
  BackgroundEmu emu(dir.file("run"), "chain:2:100:0");
  ::kill(emu.launcher, SIGKILL);  // no teardown code runs: the parent-death signal does it
  emu.finish();
  expect_nothing_left(emu.out);
}
