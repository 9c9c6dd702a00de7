// ContentKit, GitBook's UI elements for components, built so that only valid ContentKit can
// be made: every element type of the spec's ContentKit* schemas, each taking its required
// fields; a render's root is a Block, a Modal or a Configuration.
#pragma once

#include <concepts>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace gbrt::contentkit {

// What the schemas bound but a type cannot (a list that must not be empty, a title of at
// most 50 characters) is checked when the element is built: std::invalid_argument.

// An element's JSON, as the classes below build it.
class Element {
 public:
  const boost::json::object& json() const noexcept { return json_; }

 protected:
  explicit Element(std::string_view type) { json_["type"] = type; }
  boost::json::object json_;
};

template <class E, class... Allowed>
concept AnyOf = (std::same_as<E, Allowed> || ...);

// One of the element types `Allowed`, for the places that take several kinds: a child, an
// inline element, a form field, a root.
template <class... Allowed>
class OneOf {
 public:
  template <AnyOf<Allowed...> E>
  OneOf(const E& e) : json_(e.json()) {}
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// A value bound to the component's state: {"$state": key} (ComponentInstance::dynamic_state).
struct DynamicBinding {
  std::string state_key;
  boost::json::object json() const { return {{"$state", state_key}}; }
};

// A field that takes a string or something else: the string side of it.
class StringOr {
 public:
  StringOr(std::string_view text) : json_(text) {}
  StringOr(const char* text) : json_(std::string_view(text)) {}
  StringOr(const std::string& text) : json_(std::string_view(text)) {}
  const boost::json::value& json() const noexcept { return json_; }

 protected:
  explicit StringOr(boost::json::value json) : json_(std::move(json)) {}

 private:
  boost::json::value json_;
};

// A string, or a value bound to the state: what `content`, `data` and URL queries take.
class TextOrBinding : public StringOr {
 public:
  using StringOr::StringOr;
  TextOrBinding(const DynamicBinding& binding) : StringOr(binding.json()) {}
};

// A string or a number: the value a Radio or a Checkbox stores in the state.
class ChoiceValue : public StringOr {
 public:
  using StringOr::StringOr;
  ChoiceValue(double number) : StringOr(boost::json::value(number)) {}
  ChoiceValue(int number) : StringOr(boost::json::value(number)) {}
};

enum class Icon {
  close,
  edit,
  github,
  gitlab,
  maximize,
  email,
  settings,
  search,
  delete_,  // "delete"
  star,
  warning,
  link,
  link_external,
  eye,
  eye_off,
  lock,
  check,
  check_circle
};

// A URL built from parts, with query values that may be bound to the state.
class Url {
 public:
  // `host` with its port if needed (api.example.com), `pathname` starting with `/`.
  Url(std::string_view host, std::string_view pathname);
  Url& query(std::string_view name, const TextOrBinding& value);
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// A plain URL string or a Url.
class UrlOrParts : public StringOr {
 public:
  using StringOr::StringOr;
  UrlOrParts(const Url& url) : StringOr(boost::json::value(url.json())) {}
};

// An action: a custom one, dispatched to the component's action handler ({"action": name, …}),
// or one of GitBook's own (the factories below).
class Action {
 public:
  explicit Action(std::string_view name, boost::json::object fields = {});
  // Opens the modal of component `component_id` with `props`.
  static Action open_modal(std::string_view component_id, boost::json::object props = {});
  // Closes the modal this component is, `return_value` going to the parent component.
  static Action close_modal(boost::json::object return_value = {});
  static Action open_url(std::string_view url);
  // A link being unfurled into a block.
  static Action unfurl_link(std::string_view url);
  // Updates the props stored in the related node.
  static Action update_node_props(boost::json::object props);
  const boost::json::object& json() const noexcept { return json_; }

 private:
  Action() = default;
  boost::json::object json_;
};

enum class ConfirmStyle { primary, danger };

// A confirmation dialog shown before an action runs.
class Confirm {
 public:
  // At most 100, 300 and 30 characters.
  Confirm(std::string_view title, std::string_view text, std::string_view confirm_label);
  Confirm& style(ConfirmStyle style);
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// ---- inline elements: text, links, images

enum class TextStyle { bold, italic, code, strikethrough };

class Link;

// Low-level text: {"type":"text","children":"…"}, or a run of strings, texts and links.
class Text : public Element {
 public:
  // One piece of a text's children.
  class Part : public StringOr {
   public:
    using StringOr::StringOr;
    Part(const Text& text) : StringOr(boost::json::value(text.json())) {}
    Part(const Link& link);
  };

  explicit Text(std::string_view text);
  explicit Text(const std::vector<Part>& children);
  Text& style(TextStyle style);
};

// A link around text.
class Link : public Element {
 public:
  Link(const UrlOrParts& url, std::string_view text);
  Link(const UrlOrParts& url, const std::vector<std::string>& texts);
};

class Image : public Element {
 public:
  // The image at `url`, its width / height.
  Image(std::string_view url, double aspect_ratio);
};

// An inline element: Text, Image or Link.
class Inline : public OneOf<Text, Image, Link> {
 public:
  using OneOf::OneOf;
};

// ---- block elements

// Rich text from markdown, or bound to a state key.
class Markdown : public Element {
 public:
  explicit Markdown(const TextOrBinding& content);
};

enum class ButtonStyle { primary, secondary, danger };

class Button : public Element {
 public:
  Button(std::string_view label, const Action& on_press);
  // A button without a label (give it an icon).
  explicit Button(const Action& on_press);
  Button& style(ButtonStyle style);
  Button& icon(Icon icon);
  Button& trailing_icon(Icon icon);
  Button& tooltip(std::string_view tooltip);
  Button& confirm(const Confirm& confirm);
  Button& disabled(bool disabled = true);
};

enum class InputType { text, password, email };

// A text field whose value is kept in the state under `state_key`.
class TextInput : public Element {
 public:
  explicit TextInput(std::string_view state_key);
  TextInput& initial_value(std::string_view value);
  TextInput& placeholder(std::string_view placeholder);
  TextInput& multiline(bool multiline = true);
  TextInput& input_type(InputType type);
  TextInput& disabled(bool disabled = true);
};

enum class Size { small, medium, large };

class Divider : public Element {
 public:
  Divider() : Element("divider") {}
  Divider& size(Size size);
};

class Descendant;
using Children = std::vector<Descendant>;

enum class Align { start, center, end };

class HStack : public Element {
 public:
  explicit HStack(const Children& children);
  HStack& align(Align align);
};

class VStack : public Element {
 public:
  explicit VStack(const Children& children);
  VStack& align(Align align);
};

class Box : public Element {
 public:
  explicit Box(const Children& children);
  // How much of the container's remaining space this box takes.
  Box& grow(double grow);
};

// A web page in a frame; each `data` entry is sent to the page on every state update.
class WebFrame : public Element {
 public:
  explicit WebFrame(std::string_view url);
  WebFrame& aspect_ratio(double ratio);
  WebFrame& buttons(const std::vector<Button>& buttons);
  WebFrame& data(std::string_view name, const TextOrBinding& value);
};

// Code with syntax highlighting; editable when bound to a state key.
class CodeBlock : public Element {
 public:
  explicit CodeBlock(const TextOrBinding& content);
  CodeBlock& syntax(std::string_view syntax);  // javascript, python, …
  CodeBlock& line_numbers(bool shown = true);
  CodeBlock& line_numbers_from(double first_line);
  CodeBlock& buttons(const std::vector<Button>& buttons);
  CodeBlock& state(std::string_view state_key);
  CodeBlock& on_content_change(const Action& action);
  CodeBlock& header(const Children& children);
  CodeBlock& footer(const Children& children);
};

class Card : public Element {
 public:
  Card() : Element("card") {}
  Card& title(std::string_view title);
  Card& hint(std::string_view hint);
  Card& hint(const std::vector<Inline>& hint);
  Card& icon(Icon icon);
  Card& icon(const Image& image);
  Card& on_press(const Action& action);
  Card& children(const Children& children);
  Card& buttons(const std::vector<Button>& buttons);
};

// One choice of a Select.
class SelectOption {
 public:
  SelectOption(std::string_view id, std::string_view label);
  SelectOption& icon(Icon icon);
  SelectOption& icon(const Image& image);
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// Where a Select's options come from.
class SelectOptions {
 public:
  SelectOptions(const std::vector<SelectOption>& options);
  SelectOptions(std::initializer_list<SelectOption> options)
      : SelectOptions(std::vector<SelectOption>(options)) {}
  // The options of a built-in source (GitBook's OpenAPI specifications).
  static SelectOptions openapi();
  // Fetched from `url`, which answers an array of options.
  static SelectOptions from_url(const UrlOrParts& url);
  const boost::json::value& json() const noexcept { return json_; }

 private:
  SelectOptions() = default;
  boost::json::value json_;
};

// A drop-down whose choice (a list of them with multiple()) is kept under `state_key`.
class Select : public Element {
 public:
  Select(std::string_view state_key, const SelectOptions& options);
  Select& initial_value(std::string_view id);
  Select& initial_values(const std::vector<std::string>& ids);  // with multiple()
  Select& on_value_change(const Action& action);
  Select& placeholder(std::string_view placeholder);
  Select& multiple(bool multiple = true);
  // Whether what the user typed in the filter may be chosen.
  Select& accept_input(bool accept = true);
  Select& disabled(bool disabled = true);
};

// A boolean kept under `state_key`.
class Switch : public Element {
 public:
  explicit Switch(std::string_view state_key);
  Switch& initial_value(bool on);
  Switch& on_value_change(const Action& action);
  Switch& confirm(const Confirm& confirm);
  Switch& disabled(bool disabled = true);
};

// Stores `value` under `state_key` when selected.
class Radio : public Element {
 public:
  Radio(std::string_view state_key, const ChoiceValue& value);
  Radio& confirm(const Confirm& confirm);
  Radio& disabled(bool disabled = true);
};

// Adds `value` to the array under `state_key` when checked.
class Checkbox : public Element {
 public:
  Checkbox(std::string_view state_key, const ChoiceValue& value);
  Checkbox& confirm(const Confirm& confirm);
};

// A labelled form field around one control.
class Input : public Element {
 public:
  // The controls an Input may hold.
  class Field : public OneOf<TextInput, Select, Switch, Radio, Checkbox, Button, CodeBlock> {
   public:
    using OneOf::OneOf;
  };

  Input(std::string_view label, const Field& element);
  Input& hint(std::string_view hint);
  Input& hint(const Inline& hint);
};

// Contextual information: inline elements.
class Hint : public Element {
 public:
  explicit Hint(const std::vector<Inline>& children);
};

// One step of a Stepper: at least one child, a title of at most 50 characters.
class Step : public Element {
 public:
  Step(std::string_view id, const Children& children);
  Step& title(std::string_view title);
  // Whether the user may go on to the next step.
  Step& next(bool allowed = true);
};

// Any element allowed as a child of a block, modal, stack, box, card or step.
class Descendant : public OneOf<Text, Markdown, Button, TextInput, Divider, HStack, VStack, Box,
                                WebFrame, CodeBlock, Card, Image, Input, Select, Switch, Checkbox,
                                Radio, Hint, Link, Step> {
 public:
  using OneOf::OneOf;
};

// A multi-step form: the only child of a Configuration that has one.
class Stepper : public Element {
 public:
  // `steps` not empty; `active_step` the id of the current one.
  Stepper(std::string_view active_step, const Action& on_step_change, const Action& on_complete,
          const std::vector<Step>& steps);
};

// ---- roots

// A menu item of a block's controls.
class BlockControl {
 public:
  BlockControl(std::string_view label, const Action& on_press);
  BlockControl& icon(Icon icon);
  BlockControl& confirm(const Confirm& confirm);
  const boost::json::object& json() const noexcept { return json_; }

 private:
  boost::json::object json_;
};

// A custom block: the usual root of a component.
class Block : public Element {
 public:
  explicit Block(const Children& children);
  // Adds a control to the block's menu, or a group of them.
  Block& control(const BlockControl& control);
  Block& control_group(const std::vector<BlockControl>& controls);
};

enum class ModalSize { medium, xlarge, fullscreen };

class Modal : public Element {
 public:
  explicit Modal(const Children& children);
  Modal& title(std::string_view title);
  Modal& subtitle(const std::vector<Inline>& subtitle);
  Modal& size(ModalSize size);
  // Data passed to the parent component when the modal closes.
  Modal& return_value(boost::json::object value);
  Modal& submit(const Button& button);
};

// The root of an installation's configuration screen: at least one child, or one Stepper.
class Configuration : public Element {
 public:
  explicit Configuration(const Children& children);
  explicit Configuration(const Stepper& stepper);
};

// What a component renders: a Block, a Modal or a Configuration, nothing else.
class Root : public OneOf<Block, Modal, Configuration> {
 public:
  using OneOf::OneOf;
};

}  // namespace gbrt::contentkit
