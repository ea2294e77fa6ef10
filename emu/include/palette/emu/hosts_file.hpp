#pragma once
// The testbed of an emulation as a YAML file (`palette emu --hosts FILE`):
//
//   hosts:
//     - name: node1
//       address: 10.0.0.1                     # where its services listen (default 127.0.0.1)
//       launch: ssh -o BatchMode=yes node1    # runs a shell command line there; absent: this machine
//       binary: /opt/palette/palette-service  # palette-service there (default: the path found here)
//       workdir: /tmp/palette-emu             # there: topology.yaml, spans/, logs/ (the default)
//       first_port: 17000                     # its processes listen from this port on (the default)
//     - name: here                            # this machine, on its loopback
//   place:                                    # service or process -> host; others round-robin
//     frontend: node1
//
// Unknown keys, missing names and bad values throw Error naming the file, line and key.
#include <string>

#include "palette/emu/launcher.hpp"

namespace palette::emu {

// Sets options.hosts and options.host_of from the file.
void load_hosts_file(const std::string& path, EmuOptions& options);
void load_hosts(const std::string& yaml_text, const std::string& name_for_errors, EmuOptions& options);

}  // namespace palette::emu
