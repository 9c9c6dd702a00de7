// ContentKit, GitBook's UI elements for components, built so that only valid ContentKit can
// be made: each element takes its required fields, and a render's root is a Block, a Modal
// or a Configuration (the spec's ContentKit* schemas).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace gbrt::contentkit {

// An element's JSON, as the classes below build it.
class Element {
 public:
  const boost::json::object& json() const noexcept { return json_; }

 protected:
  explicit Element(std::string_view type) { json_["type"] = type; }
  boost::json::object json_;
};

// A value bound to the component's state: {"$state": key} (ComponentInstance::dynamic_state).
struct DynamicBinding {
  std::string state_key;
  boost::json::object json() const { return {{"$state", state_key}}; }
};

// A custom action, dispatched to the component's action handler: {"action": name, …}.
class Action {
 public:
  explicit Action(std::string_view name, boost::json::object fields = {});
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

enum class TextStyle { bold, italic, code, strikethrough };

// Low-level text: {"type":"text","children":"…"}.
class Text : public Element {
 public:
  explicit Text(std::string_view text);
  Text& style(TextStyle style);
};

// Rich text from markdown, or bound to a state key.
class Markdown : public Element {
 public:
  explicit Markdown(std::string_view content);
  explicit Markdown(const DynamicBinding& content);
};

class Button : public Element {
 public:
  Button(std::string_view label, const Action& on_press);
};

class Divider : public Element {
 public:
  Divider() : Element("divider") {}
};

class Descendant;
using Children = std::vector<Descendant>;

class HStack : public Element {
 public:
  explicit HStack(const Children& children);
};

class VStack : public Element {
 public:
  explicit VStack(const Children& children);
};

class Box : public Element {
 public:
  explicit Box(const Children& children);
};

// Any element allowed as a child of a block, modal, stack or box.
class Descendant {
 public:
  Descendant(const Text& e) : json_(e.json()) {}
  Descendant(const Markdown& e) : json_(e.json()) {}
  Descendant(const Button& e) : json_(e.json()) {}
  Descendant(const Divider& e) : json_(e.json()) {}
  Descendant(const HStack& e) : json_(e.json()) {}
  Descendant(const VStack& e) : json_(e.json()) {}
  Descendant(const Box& e) : json_(e.json()) {}
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// A custom block: the usual root of a component.
class Block : public Element {
 public:
  explicit Block(const Children& children);
};

class Modal : public Element {
 public:
  explicit Modal(const Children& children);
  Modal& title(std::string_view title);
};

// The root of an installation's configuration screen.
class Configuration : public Element {
 public:
  explicit Configuration(const Children& children);
};

// What a component renders: a Block, a Modal or a Configuration, nothing else.
class Root {
 public:
  Root(const Block& e) : json_(e.json()) {}
  Root(const Modal& e) : json_(e.json()) {}
  Root(const Configuration& e) : json_(e.json()) {}
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

}  // namespace gbrt::contentkit
