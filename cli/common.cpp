#include "common.hpp"

#include "palette/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <cstdio>
#include <iostream>

namespace palette::cli {

bool parse_options(const Args& args, const std::string& usage, po::options_description& desc,
                   const po::positional_options_description& positional, po::variables_map& vm) {
  desc.add_options()("help,h", "show this help");
  po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: " << usage << "\n\n" << desc << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

Progress::Progress(std::string label)
    : label_(std::move(label)), tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {
  last_ = start_;  // the first line only after a moment: short runs stay quiet
}

Progress::~Progress() {
  if (shown_ && tty_) std::cerr << "\n";
}

void Progress::update(const std::string& text, double fraction) {
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(shown_ ? 200 : 1000) : std::chrono::milliseconds(5000);
  if (now - last_ < interval) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  char line[512];
  if (fraction >= 0) {
    int width = 24, filled = static_cast<int>(std::lround(std::min(1.0, fraction) * width));
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(static_cast<size_t>(width), '.');
    std::snprintf(line, sizeof line, "%s [%s] %3.0f%% %s (%.0fs)", label_.c_str(), bar.c_str(), fraction * 100,
                  text.c_str(), secs);
  } else {
    std::snprintf(line, sizeof line, "%s %s (%.0fs)", label_.c_str(), text.c_str(), secs);
  }
  if (tty_) std::cerr << "\r\033[K" << line << std::flush;
  else std::cerr << line << "\n";
  shown_ = true;
}

void Progress::done(const std::string& text) {
  if (shown_ && tty_) std::cerr << "\r\033[K";
  if (!text.empty() && (shown_ || !tty_)) std::cerr << label_ << " " << text << "\n";
  shown_ = false;
}

std::unique_ptr<std::ofstream> open_output(const std::string& path, bool force) {
  if (!force && std::filesystem::exists(path))
    throw Error(ErrorKind::bad_value, "already exists; not overwriting it").at_file(path).with_hint("pass --force to replace it");
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*out) throw Error(ErrorKind::io, std::string("cannot write: ") + std::strerror(errno)).at_file(path);
  return out;
}

void finish_output(std::ofstream& out, const std::string& path) {
  out.flush();
  if (!out) throw Error(ErrorKind::io, "write failed (disk full?)").at_file(path);
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
  return buf;
}

std::string human_us(double us) {
  char buf[32];
  if (std::isnan(us)) return "-";
  if (us >= 1e6) std::snprintf(buf, sizeof buf, "%.3g s", us / 1e6);
  else if (us >= 1e3) std::snprintf(buf, sizeof buf, "%.3g ms", us / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3g us", us);
  return buf;
}

}  // namespace palette::cli
