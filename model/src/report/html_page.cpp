#include "palette/report/html_page.hpp"

#include "internal/svg.hpp"
#include "palette/error.hpp"

namespace palette::report {
namespace {

using internal::escape;

constexpr const char* kStyle = R"(
  :root { color-scheme: light; }
  body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;
         color: #222; background: #fff; margin: 2rem auto; max-width: 980px; padding: 0 1rem; line-height: 1.45; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
  h3 { font-size: 1.02rem; margin-top: 1.4rem; }
  p.note { color: #666; font-size: 0.86rem; }
  table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
  caption { caption-side: top; text-align: left; color: #555; padding-bottom: 0.3rem; }
  th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.7rem; text-align: left; }
  th { background: #f6f6f6; font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  span.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.45em; vertical-align: -0.05em;
                border-radius: 2px; }
  figure { margin: 1rem 0; }
  figure svg { max-width: 100%; height: auto; }
  figcaption { color: #555; font-size: 0.88rem; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1rem; font-size: 0.9rem; }
  dt { color: #555; }
  dd { margin: 0; overflow-wrap: anywhere; }
)";

}  // namespace

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

HtmlPage& HtmlPage::section(const std::string& heading) {
  if (in_section_) body_ += "</section>\n";
  body_ += "<section>\n<h2>" + escape(heading) + "</h2>\n";
  in_section_ = true;
  return *this;
}

HtmlPage& HtmlPage::subsection(const std::string& heading) {
  body_ += "<h3>" + escape(heading) + "</h3>\n";
  return *this;
}

HtmlPage& HtmlPage::paragraph(const std::string& text) {
  body_ += "<p>" + escape(text) + "</p>\n";
  return *this;
}

HtmlPage& HtmlPage::note(const std::string& text) {
  body_ += "<p class=\"note\">" + escape(text) + "</p>\n";
  return *this;
}

HtmlPage& HtmlPage::facts(const std::vector<std::pair<std::string, std::string>>& items) {
  body_ += "<dl>\n";
  for (const auto& [k, v] : items) body_ += "<dt>" + escape(k) + "</dt><dd>" + escape(v) + "</dd>\n";
  body_ += "</dl>\n";
  return *this;
}

HtmlPage& HtmlPage::table(const HtmlTable& t) {
  auto is_numeric = [&](size_t col) { return col < t.numeric.size() && t.numeric[col]; };
  std::string s = "<table>\n";
  if (!t.caption.empty()) s += "<caption>" + escape(t.caption) + "</caption>\n";
  s += "<thead><tr>";
  for (size_t c = 0; c < t.header.size(); ++c)
    s += std::string(is_numeric(c) ? "<th class=\"num\">" : "<th>") + escape(t.header[c]) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    if (row.size() != t.header.size())
      throw Error(ErrorKind::bad_value, "table row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) +
                                            " cells, the header " + std::to_string(t.header.size()));
    s += "<tr>";
    for (size_t c = 0; c < row.size(); ++c) {
      s += is_numeric(c) ? "<td class=\"num\">" : "<td>";
      if (c == 0 && r < t.swatches.size() && !t.swatches[r].empty())
        s += "<span class=\"swatch\" style=\"background:" + escape(t.swatches[r]) + "\"></span>";
      s += escape(row[c]) + "</td>";
    }
    s += "</tr>\n";
  }
  body_ += s + "</tbody>\n</table>\n";
  return *this;
}

HtmlPage& HtmlPage::figure(const std::string& svg, const std::string& caption) {
  body_ += "<figure>\n" + svg;
  if (!caption.empty()) body_ += "<figcaption>" + escape(caption) + "</figcaption>\n";
  body_ += "</figure>\n";
  return *this;
}

std::string HtmlPage::str() const {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta name=\"generator\" content=\"palette\">\n<title>" +
                  escape(title_) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + escape(title_) +
                  "</h1>\n" + body_;
  if (in_section_) s += "</section>\n";
  return s + "</body>\n</html>\n";
}

}  // namespace palette::report
