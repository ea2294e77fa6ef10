#pragma once
// HtmlPage: a standalone HTML5 report page — title, sections, paragraphs, tables and inline SVG
// figures — with its style sheet inline and no external resource (no script, font, image or CSS
// link), so the one file can be mailed, archived or opened offline. All text is escaped; only
// figures take markup, and only from palette's own SVG writers.
//
//   HtmlPage page("palette compare: traces vs simulation");
//   page.section("Latency distributions").figure(cdf_plot_svg(...), "Root latency CDF");
//   page.table(quantile_table);
//   std::string html = page.str();
#include <string>
#include <utility>
#include <vector>

namespace palette::report {

struct HtmlTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
  std::vector<bool> numeric;                   // per column: right-aligned, tabular digits (empty: none)
  std::vector<std::string> swatches;           // per row: "#RRGGBB" colour square before the first cell
                                               // (links a row to its plot series), "" for none
  std::string caption;
};

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);

  HtmlPage& section(const std::string& heading);     // a new top-level section (<h2>)
  HtmlPage& subsection(const std::string& heading);  // <h3> inside the current section
  HtmlPage& paragraph(const std::string& text);
  HtmlPage& note(const std::string& text);           // small, muted text (definitions, provenance)
  // Key-value pairs as a definition list (inputs, settings).
  HtmlPage& facts(const std::vector<std::pair<std::string, std::string>>& items);
  // Throws Error(bad_value) when a row's width differs from the header's.
  HtmlPage& table(const HtmlTable& table);
  // `svg` is trusted markup from palette's SVG writers (cdf_plot_svg, line_chart_svg).
  HtmlPage& figure(const std::string& svg, const std::string& caption = "");

  std::string str() const;  // the whole document

 private:
  std::string title_;
  std::string body_;
  bool in_section_ = false;
};

}  // namespace palette::report
