#pragma once
// A parsed YAML document as a plain tree of nodes with their lines, built from yaml-cpp's event
// parser in one pass. Lighter and about twice as fast as YAML::Load (which also needs a second pass
// for the guards below), and it keeps only what topology.yaml needs.
//
// Refused while parsing, before anything is built from them: more than one document, nesting deeper
// than kMaxDepth (bounds recursion on hostile input), and aliases (`*name` makes one node appear in
// many places, so a small file could stand for a huge topology; palette never writes them).
#include <cstdint>
#include <string>
#include <vector>

namespace palette::model::yaml {

struct Node {
  enum class Kind : uint8_t { null, scalar, sequence, map };
  Kind kind = Kind::null;
  int64_t line = 0;         // 1-based; 0 = unknown
  std::string text;         // a scalar's text, quoted or plain (`null` and `~` are Kind::null)
  std::vector<Node> items;  // a sequence's elements; a map's keys and values, alternating
};

// Deeper than topology.yaml ever nests (7 levels).
inline constexpr int kMaxDepth = 32;

// The document in `text` (a null node if there is none). Throws palette::Error with file and line:
// malformed for YAML syntax errors, unsupported for what is refused above.
Node parse_document(const std::string& text, const std::string& file);

}  // namespace palette::model::yaml
