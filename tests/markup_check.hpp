#pragma once
// A small well-formedness check for the HTML and SVG palette writes: every element is closed in the
// right order (HTML void elements excepted), so a report opens the same in every browser.
#include <string>
#include <vector>

namespace palette::test {

// "" when balanced, else a description of the first problem.
inline std::string markup_problem(const std::string& doc) {
  static const std::vector<std::string> void_elements = {"meta", "br", "img", "link", "hr", "input"};
  std::vector<std::string> open;
  size_t pos = 0;
  while ((pos = doc.find('<', pos)) != std::string::npos) {
    if (doc.compare(pos, 4, "<!--") == 0) {
      pos = doc.find("-->", pos);
      if (pos == std::string::npos) return "unterminated comment";
      continue;
    }
    size_t end = doc.find('>', pos);
    if (end == std::string::npos) return "unterminated tag at byte " + std::to_string(pos);
    std::string tag = doc.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '!') continue;  // <!DOCTYPE html>
    if (tag.back() == '/') continue;             // <line .../>
    bool closing = tag[0] == '/';
    std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" \t\n", closing ? 1 : 0) - (closing ? 1 : 0));
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> closes <" + (open.empty() ? std::string("nothing") : open.back()) + ">";
      open.pop_back();
    } else {
      bool is_void = false;
      for (const auto& v : void_elements) is_void = is_void || v == name;
      if (!is_void) open.push_back(name);
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> is never closed";
}

inline size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

}  // namespace palette::test
