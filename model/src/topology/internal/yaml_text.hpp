#pragma once
// Scalars of topology.yaml as text, both ways: strings quoted only when YAML needs it, numbers in
// their shortest exact form. Writing a value and reading it back gives the same bits, which is what
// makes load(save(t)) == t and save(load(file)) == file hold.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace palette::model::yaml {

// `s` as a YAML scalar: plain when a YAML reader gives back exactly `s` and no other type (number,
// bool, null), else double-quoted with escapes. Plain scalars that are safe inside [ ] and { } are
// used everywhere, so one rule serves block and flow context.
std::string scalar(std::string_view s);
bool needs_quotes(std::string_view s);

// Shortest text that reads back as the same double (std::to_chars); .inf, -.inf and .nan as in YAML.
std::string number(double x);
std::string number(uint64_t x);
std::string number(int64_t x);

// Parsers for the forms above (and what a person may type: "+1", "1e3", ".5"); nullopt if the text
// is not a number of that kind or out of range.
std::optional<double> parse_double(std::string_view text);
std::optional<uint64_t> parse_uint(std::string_view text);
std::optional<int64_t> parse_int(std::string_view text);

}  // namespace palette::model::yaml
