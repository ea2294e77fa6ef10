#pragma once
// Shared bits of the thin CLI: subcommand table, option-parsing helpers, the stderr progress line.
#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace palette::cli {

namespace po = boost::program_options;

using Args = std::vector<std::string>;
struct Command {
  std::string name;     // e.g. "traces stats"
  std::string summary;  // one line for `palette --help`
  std::function<int(const Args&)> run;
};

// Parses args against desc (+ positional); prints usage and returns false on --help.
// Throws po::error on bad options (main turns it into a message).
bool parse_options(const Args& args, const std::string& usage, po::options_description& desc,
                   const po::positional_options_description& positional, po::variables_map& vm);

// A progress line on stderr, redrawn at most every 200 ms; silent when stderr is not a terminal
// unless `always` (long CI runs still get a line every few seconds).
class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  void update(const std::string& text, double fraction = -1);  // fraction in [0,1], or -1 if unknown
  void done(const std::string& text = "");

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_, start_;
};

// Opens a file for writing; refuses to replace an existing one unless `force` (nothing a user has is
// overwritten without asking). finish_output flushes and reports write errors.
std::unique_ptr<std::ofstream> open_output(const std::string& path, bool force);
void finish_output(std::ofstream& out, const std::string& path);

std::string human_bytes(double bytes);
std::string human_us(double us);

// Registered by each command file.
std::vector<Command> traces_commands();
std::vector<Command> emu_commands();
std::vector<Command> run_commands();
std::vector<Command> fit_commands();
std::vector<Command> downscale_commands();
std::vector<Command> advise_commands();
std::vector<Command> compare_commands();
std::vector<Command> model_commands();
std::vector<Command> sim_commands();

}  // namespace palette::cli
