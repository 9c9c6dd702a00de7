#include <gbrt/runtime/contentkit.hpp>

#include <boost/json/array.hpp>

namespace gbrt::contentkit {

namespace {

boost::json::array to_array(const Children& children) {
  boost::json::array array;
  array.reserve(children.size());
  for (const Descendant& child : children) array.emplace_back(child.json());
  return array;
}

constexpr std::string_view kTextStyles[] = {"bold", "italic", "code", "strikethrough"};

}  // namespace

Action::Action(std::string_view name, boost::json::object fields) : json_(std::move(fields)) {
  json_["action"] = name;
}

Text::Text(std::string_view text) : Element("text") {
  json_["children"] = text;
}

Text& Text::style(TextStyle style) {
  json_["style"] = kTextStyles[static_cast<int>(style)];
  return *this;
}

Markdown::Markdown(std::string_view content) : Element("markdown") {
  json_["content"] = content;
}

Markdown::Markdown(const DynamicBinding& content) : Element("markdown") {
  json_["content"] = content.json();
}

Button::Button(std::string_view label, const Action& on_press) : Element("button") {
  json_["label"] = label;
  json_["onPress"] = on_press.json();
}

HStack::HStack(const Children& children) : Element("hstack") {
  json_["children"] = to_array(children);
}

VStack::VStack(const Children& children) : Element("vstack") {
  json_["children"] = to_array(children);
}

Box::Box(const Children& children) : Element("box") {
  json_["children"] = to_array(children);
}

Block::Block(const Children& children) : Element("block") {
  json_["children"] = to_array(children);
}

Modal::Modal(const Children& children) : Element("modal") {
  json_["children"] = to_array(children);
}

Modal& Modal::title(std::string_view title) {
  json_["title"] = title;
  return *this;
}

Configuration::Configuration(const Children& children) : Element("configuration") {
  json_["children"] = to_array(children);
}

}  // namespace gbrt::contentkit
