#pragma once
// The processes of an emulation: which services each hosts (placement groups, the topology's groups,
// replicas) and the command line that starts it.
#include <string>
#include <vector>

#include "palette/emu/endpoint.hpp"
#include "palette/emu/launcher.hpp"
#include "palette/emu/sockets.hpp"
#include "palette/emu/work.hpp"

namespace palette::emu {

struct Group {
  std::string name;                   // its service; "a+b" or the topology's group name; "#i" for replica i
  std::vector<std::string> services;
  const EmuHost* host = nullptr;      // nullptr: this machine at EmuOptions::host
  Endpoint endpoint;                  // where it listens
  ListeningSocket socket;             // opened here, for a process of this machine
  int ready_read = -1;                // our end of the readiness pipe
  int stdin_write = -1;               // a remote process's stdin: closing it stops the process

  bool remote() const { return host && host->remote(); }
  size_t child = 0;                   // index in the ProcessGroup
  bool ready = false;
};

// The options' placement groups, then the topology's `group`s, one process per service otherwise,
// each as many times as its members' largest replica count (instance i hosts the members with more
// than i replicas). Throws Error(bad_value) for an unknown or twice-placed service.
std::vector<Group> make_groups(const model::Topology& t, const EmuOptions& o);

// Puts each group on its host (EmuOptions::host_of, else round-robin over EmuOptions::hosts) and
// numbers the ports of remote hosts. The options are validated (EmuOptions::validate); throws
// Error(bad_value) when host_of names a service or process there is not.
void assign_hosts(std::vector<Group>& groups, const EmuOptions& o);

// palette-service's command line for a group: on this machine its listening socket is fd 3 and its
// readiness pipe fd 4; on a remote host it listens on its endpoint, says ready on stdout and stops
// when stdin closes, with its files under the host's workdir.
std::vector<std::string> service_argv(const EmuOptions& o, const Group& g, const std::string& binary,
                                      const std::string& topology_file, const Endpoints& peers,
                                      const Calibration& calibration, const std::string& dir);

}  // namespace palette::emu
