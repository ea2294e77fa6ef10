// palette: the one command. Each subcommand parses its options, calls the library, and turns errors
// into one line on stderr and a non-zero exit code. No logic a test would need lives here.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "common.hpp"
#include "palette/error.hpp"

using namespace palette::cli;

namespace {

std::vector<Command> all_commands() {
  std::vector<Command> out;
  for (auto& c : traces_commands()) out.push_back(std::move(c));
  for (auto& c : fit_commands()) out.push_back(std::move(c));
  for (auto& c : downscale_commands()) out.push_back(std::move(c));
  for (auto& c : advise_commands()) out.push_back(std::move(c));
  for (auto& c : emu_commands()) out.push_back(std::move(c));
  for (auto& c : run_commands()) out.push_back(std::move(c));
  for (auto& c : compare_commands()) out.push_back(std::move(c));
  for (auto& c : model_commands()) out.push_back(std::move(c));
  for (auto& c : sim_commands()) out.push_back(std::move(c));
  return out;
}

void usage(const std::vector<Command>& commands) {
  std::cout << "usage: palette <command> [options]   (palette <command> --help for its options)\n\ncommands:\n";
  for (const auto& c : commands) std::cout << "  " << c.name << std::string(c.name.size() < 18 ? 18 - c.name.size() : 1, ' ') << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto commands = all_commands();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(commands);
    return args.empty() ? 2 : 0;
  }
  // Longest match: "traces stats" before "traces".
  const Command* chosen = nullptr;
  size_t words = 0;
  for (const auto& c : commands) {
    std::vector<std::string> parts;
    size_t start = 0, sp;
    while ((sp = c.name.find(' ', start)) != std::string::npos) {
      parts.push_back(c.name.substr(start, sp - start));
      start = sp + 1;
    }
    parts.push_back(c.name.substr(start));
    if (parts.size() > args.size() || parts.size() <= words) continue;
    bool match = true;
    for (size_t k = 0; k < parts.size(); ++k) match = match && parts[k] == args[k];
    if (match) {
      chosen = &c;
      words = parts.size();
    }
  }
  if (!chosen) {
    std::cerr << "palette: unknown command \"" << args[0] << (args.size() > 1 ? " " + args[1] : "") << "\"\n";
    usage(commands);
    return 2;
  }
  args.erase(args.begin(), args.begin() + static_cast<long>(words));
  try {
    return chosen->run(args);
  } catch (const palette::Error& e) {
    std::cerr << "palette " << chosen->name << ": error: " << e.what() << "\n";
    return 1;
  } catch (const boost::program_options::error& e) {
    std::cerr << "palette " << chosen->name << ": " << e.what() << " (see palette " << chosen->name << " --help)\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "palette " << chosen->name << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "palette " << chosen->name << ": internal error: " << e.what() << "\n";
    return 1;
  }
}
