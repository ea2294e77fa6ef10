#include "yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>

#include "palette/error.hpp"

namespace palette::model::yaml {
namespace {

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(Node& root, const std::string& file) : root_(root), file_(file) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) throw at(mark, ErrorKind::unsupported, "holds more than one YAML document (a second `---`)");
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { add(Node::Kind::null, mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw at(mark, ErrorKind::unsupported, "YAML aliases (*name) are not supported").with_hint("write the value out in full");
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    add(Node::Kind::scalar, mark)->text = value;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open_.push_back(add(Node::Kind::sequence, mark));
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open_.push_back(add(Node::Kind::map, mark));
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  Error at(const YAML::Mark& mark, ErrorKind kind, const std::string& message) const {
    Error e(kind, message);
    e.at_file(file_);
    if (mark.line >= 0) e.at_line(mark.line + 1);
    return e;
  }
  // The new node goes into the innermost open collection. Pointers on open_ stay valid: a
  // collection's vector only grows while none of its children is open.
  Node* add(Node::Kind kind, const YAML::Mark& mark) {
    if (open_.size() >= static_cast<size_t>(kMaxDepth))
      throw at(mark, ErrorKind::unsupported, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    Node* node = open_.empty() ? &root_ : &open_.back()->items.emplace_back();
    node->kind = kind;
    node->line = mark.line >= 0 ? mark.line + 1 : 0;
    return node;
  }

  Node& root_;
  const std::string& file_;
  std::vector<Node*> open_;
  int documents_ = 0;
};

}  // namespace

Node parse_document(const std::string& text, const std::string& file) {
  Node root;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    TreeBuilder builder(root, file);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    Error err(ErrorKind::malformed, "invalid YAML: " + e.msg);
    err.at_file(file);
    if (e.mark.line >= 0) err.at_line(e.mark.line + 1);
    throw err;
  }
  return root;
}

}  // namespace palette::model::yaml
