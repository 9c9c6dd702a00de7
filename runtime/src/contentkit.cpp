#include <gbrt/runtime/contentkit.hpp>

#include <stdexcept>

#include <boost/json/array.hpp>

namespace gbrt::contentkit {

namespace {

namespace json = boost::json;

template <class Items>
json::array to_array(const Items& items) {
  json::array array;
  array.reserve(items.size());
  for (const auto& item : items) array.emplace_back(item.json());
  return array;
}

// The schemas' minItems: 1.
template <class Items>
const Items& not_empty(const Items& items, std::string_view what) {
  if (items.empty()) {
    throw std::invalid_argument("ContentKit: " + std::string(what) + " needs at least one");
  }
  return items;
}

// The schemas' maxLength counts JavaScript characters (UTF-16 code units).
std::string_view at_most(std::string_view text, std::size_t max, std::string_view what) {
  std::size_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++units;  // one per code point…
    if (c >= 0xF0) ++units;           // …two beyond the Basic Multilingual Plane
  }
  if (units > max) {
    throw std::invalid_argument("ContentKit: " + std::string(what) + " is longer than " +
                                std::to_string(max) + " characters");
  }
  return text;
}

constexpr std::string_view kIcons[] = {"close",   "edit",     "github",        "gitlab", "maximize",
                                       "email",   "settings", "search",        "delete", "star",
                                       "warning", "link",     "link-external", "eye",    "eye-off",
                                       "lock",    "check",    "check-circle"};
constexpr std::string_view kTextStyles[] = {"bold", "italic", "code", "strikethrough"};
constexpr std::string_view kButtonStyles[] = {"primary", "secondary", "danger"};
constexpr std::string_view kConfirmStyles[] = {"primary", "danger"};
constexpr std::string_view kInputTypes[] = {"text", "password", "email"};
constexpr std::string_view kSizes[] = {"small", "medium", "large"};
constexpr std::string_view kAligns[] = {"start", "center", "end"};
constexpr std::string_view kModalSizes[] = {"medium", "xlarge", "fullscreen"};

template <std::size_t N, class Enum>
std::string_view name_of(const std::string_view (&names)[N], Enum value) {
  return names[static_cast<std::size_t>(value)];
}

json::object with_url(std::string_view url) {
  return {{"url", url}};
}

}  // namespace

Url::Url(std::string_view host, std::string_view pathname) {
  json_["host"] = host;
  json_["pathname"] = pathname;
}

Url& Url::query(std::string_view name, const TextOrBinding& value) {
  json::value& query = json_["query"];
  if (!query.is_object()) query = json::object();
  query.as_object()[name] = value.json();
  return *this;
}

Action::Action(std::string_view name, json::object fields) : json_(std::move(fields)) {
  json_["action"] = name;
}

Action Action::open_modal(std::string_view component_id, json::object props) {
  Action a;
  a.json_ = {{"action", "@ui.modal.open"}, {"componentId", component_id}, {"props", props}};
  return a;
}

Action Action::close_modal(json::object return_value) {
  Action a;
  a.json_ = {{"action", "@ui.modal.close"}, {"returnValue", return_value}};
  return a;
}

Action Action::open_url(std::string_view url) {
  Action a;
  a.json_ = {{"action", "@ui.url.open"}, {"url", url}};
  return a;
}

Action Action::unfurl_link(std::string_view url) {
  Action a;
  a.json_ = {{"action", "@link.unfurl"}, {"url", url}};
  return a;
}

Action Action::update_node_props(json::object props) {
  Action a;
  a.json_ = {{"action", "@editor.node.updateProps"}, {"props", props}};
  return a;
}

Confirm::Confirm(std::string_view title, std::string_view text, std::string_view confirm_label) {
  json_["title"] = at_most(title, 100, "a confirmation's title");
  json_["text"] = at_most(text, 300, "a confirmation's text");
  json_["confirm"] = at_most(confirm_label, 30, "a confirmation's button label");
}

Confirm& Confirm::style(ConfirmStyle style) {
  json_["style"] = name_of(kConfirmStyles, style);
  return *this;
}

Text::Part::Part(const Link& link) : StringOr(json::value(link.json())) {}

Text::Text(std::string_view text) : Element("text") {
  json_["children"] = text;
}

Text::Text(const std::vector<Part>& children) : Element("text") {
  json_["children"] = to_array(children);
}

Text& Text::style(TextStyle style) {
  json_["style"] = name_of(kTextStyles, style);
  return *this;
}

Link::Link(const UrlOrParts& url, std::string_view text) : Element("link") {
  json_["target"] = json::object{{"url", url.json()}};
  json_["children"] = text;
}

Link::Link(const UrlOrParts& url, const std::vector<std::string>& texts) : Element("link") {
  json_["target"] = json::object{{"url", url.json()}};
  json::array children;
  for (const std::string& text : texts) children.emplace_back(text);
  json_["children"] = std::move(children);
}

Image::Image(std::string_view url, double aspect_ratio) : Element("image") {
  json_["source"] = with_url(url);
  json_["aspectRatio"] = aspect_ratio;
}

Markdown::Markdown(const TextOrBinding& content) : Element("markdown") {
  json_["content"] = content.json();
}

Button::Button(std::string_view label, const Action& on_press) : Element("button") {
  json_["label"] = label;
  json_["onPress"] = on_press.json();
}

Button::Button(const Action& on_press) : Element("button") {
  json_["onPress"] = on_press.json();
}

Button& Button::style(ButtonStyle style) {
  json_["style"] = name_of(kButtonStyles, style);
  return *this;
}

Button& Button::icon(Icon icon) {
  json_["icon"] = name_of(kIcons, icon);
  return *this;
}

Button& Button::trailing_icon(Icon icon) {
  json_["trailingIcon"] = name_of(kIcons, icon);
  return *this;
}

Button& Button::tooltip(std::string_view tooltip) {
  json_["tooltip"] = tooltip;
  return *this;
}

Button& Button::confirm(const Confirm& confirm) {
  json_["confirm"] = confirm.json();
  return *this;
}

Button& Button::disabled(bool disabled) {
  json_["disabled"] = disabled;
  return *this;
}

TextInput::TextInput(std::string_view state_key) : Element("textinput") {
  json_["state"] = state_key;
}

TextInput& TextInput::initial_value(std::string_view value) {
  json_["initialValue"] = value;
  return *this;
}

TextInput& TextInput::placeholder(std::string_view placeholder) {
  json_["placeholder"] = placeholder;
  return *this;
}

TextInput& TextInput::multiline(bool multiline) {
  json_["multiline"] = multiline;
  return *this;
}

TextInput& TextInput::input_type(InputType type) {
  json_["inputType"] = name_of(kInputTypes, type);
  return *this;
}

TextInput& TextInput::disabled(bool disabled) {
  json_["disabled"] = disabled;
  return *this;
}

Divider& Divider::size(Size size) {
  json_["size"] = name_of(kSizes, size);
  return *this;
}

HStack::HStack(const Children& children) : Element("hstack") {
  json_["children"] = to_array(children);
}

HStack& HStack::align(Align align) {
  json_["align"] = name_of(kAligns, align);
  return *this;
}

VStack::VStack(const Children& children) : Element("vstack") {
  json_["children"] = to_array(children);
}

VStack& VStack::align(Align align) {
  json_["align"] = name_of(kAligns, align);
  return *this;
}

Box::Box(const Children& children) : Element("box") {
  json_["children"] = to_array(children);
}

Box& Box::grow(double grow) {
  json_["grow"] = grow;
  return *this;
}

WebFrame::WebFrame(std::string_view url) : Element("webframe") {
  json_["source"] = with_url(url);
}

WebFrame& WebFrame::aspect_ratio(double ratio) {
  json_["aspectRatio"] = ratio;
  return *this;
}

WebFrame& WebFrame::buttons(const std::vector<Button>& buttons) {
  json_["buttons"] = to_array(buttons);
  return *this;
}

WebFrame& WebFrame::data(std::string_view name, const TextOrBinding& value) {
  json::value& data = json_["data"];
  if (!data.is_object()) data = json::object();
  data.as_object()[name] = value.json();
  return *this;
}

CodeBlock::CodeBlock(const TextOrBinding& content) : Element("codeblock") {
  json_["content"] = content.json();
}

CodeBlock& CodeBlock::syntax(std::string_view syntax) {
  json_["syntax"] = syntax;
  return *this;
}

CodeBlock& CodeBlock::line_numbers(bool shown) {
  json_["lineNumbers"] = shown;
  return *this;
}

CodeBlock& CodeBlock::line_numbers_from(double first_line) {
  json_["lineNumbers"] = first_line;
  return *this;
}

CodeBlock& CodeBlock::buttons(const std::vector<Button>& buttons) {
  json_["buttons"] = to_array(buttons);
  return *this;
}

CodeBlock& CodeBlock::state(std::string_view state_key) {
  json_["state"] = state_key;
  return *this;
}

CodeBlock& CodeBlock::on_content_change(const Action& action) {
  json_["onContentChange"] = action.json();
  return *this;
}

CodeBlock& CodeBlock::header(const Children& children) {
  json_["header"] = to_array(children);
  return *this;
}

CodeBlock& CodeBlock::footer(const Children& children) {
  json_["footer"] = to_array(children);
  return *this;
}

Card& Card::title(std::string_view title) {
  json_["title"] = title;
  return *this;
}

Card& Card::hint(std::string_view hint) {
  json_["hint"] = hint;
  return *this;
}

Card& Card::hint(const std::vector<Inline>& hint) {
  json_["hint"] = to_array(hint);
  return *this;
}

Card& Card::icon(Icon icon) {
  json_["icon"] = name_of(kIcons, icon);
  return *this;
}

Card& Card::icon(const Image& image) {
  json_["icon"] = image.json();
  return *this;
}

Card& Card::on_press(const Action& action) {
  json_["onPress"] = action.json();
  return *this;
}

Card& Card::children(const Children& children) {
  json_["children"] = to_array(children);
  return *this;
}

Card& Card::buttons(const std::vector<Button>& buttons) {
  json_["buttons"] = to_array(buttons);
  return *this;
}

SelectOption::SelectOption(std::string_view id, std::string_view label) {
  json_["id"] = id;
  json_["label"] = label;
}

SelectOption& SelectOption::icon(Icon icon) {
  json_["icon"] = name_of(kIcons, icon);
  return *this;
}

SelectOption& SelectOption::icon(const Image& image) {
  json_["icon"] = image.json();
  return *this;
}

SelectOptions::SelectOptions(const std::vector<SelectOption>& options) : json_(to_array(options)) {}

SelectOptions SelectOptions::openapi() {
  SelectOptions options;
  options.json_ = json::object{{"source", "openapi"}};
  return options;
}

SelectOptions SelectOptions::from_url(const UrlOrParts& url) {
  SelectOptions options;
  options.json_ = json::object{{"url", url.json()}};
  return options;
}

Select::Select(std::string_view state_key, const SelectOptions& options) : Element("select") {
  json_["state"] = state_key;
  json_["options"] = options.json();
}

Select& Select::initial_value(std::string_view id) {
  json_["initialValue"] = id;
  return *this;
}

Select& Select::initial_values(const std::vector<std::string>& ids) {
  json::array values;
  for (const std::string& id : ids) values.emplace_back(id);
  json_["initialValue"] = std::move(values);
  return *this;
}

Select& Select::on_value_change(const Action& action) {
  json_["onValueChange"] = action.json();
  return *this;
}

Select& Select::placeholder(std::string_view placeholder) {
  json_["placeholder"] = placeholder;
  return *this;
}

Select& Select::multiple(bool multiple) {
  json_["multiple"] = multiple;
  return *this;
}

Select& Select::accept_input(bool accept) {
  json_["acceptInput"] = accept;
  return *this;
}

Select& Select::disabled(bool disabled) {
  json_["disabled"] = disabled;
  return *this;
}

Switch::Switch(std::string_view state_key) : Element("switch") {
  json_["state"] = state_key;
}

Switch& Switch::initial_value(bool on) {
  json_["initialValue"] = on;
  return *this;
}

Switch& Switch::on_value_change(const Action& action) {
  json_["onValueChange"] = action.json();
  return *this;
}

Switch& Switch::confirm(const Confirm& confirm) {
  json_["confirm"] = confirm.json();
  return *this;
}

Switch& Switch::disabled(bool disabled) {
  json_["disabled"] = disabled;
  return *this;
}

Radio::Radio(std::string_view state_key, const ChoiceValue& value) : Element("radio") {
  json_["state"] = state_key;
  json_["value"] = value.json();
}

Radio& Radio::confirm(const Confirm& confirm) {
  json_["confirm"] = confirm.json();
  return *this;
}

Radio& Radio::disabled(bool disabled) {
  json_["disabled"] = disabled;
  return *this;
}

Checkbox::Checkbox(std::string_view state_key, const ChoiceValue& value) : Element("checkbox") {
  json_["state"] = state_key;
  json_["value"] = value.json();
}

Checkbox& Checkbox::confirm(const Confirm& confirm) {
  json_["confirm"] = confirm.json();
  return *this;
}

Input::Input(std::string_view label, const Field& element) : Element("input") {
  json_["label"] = label;
  json_["element"] = element.json();
}

Input& Input::hint(std::string_view hint) {
  json_["hint"] = hint;
  return *this;
}

Input& Input::hint(const Inline& hint) {
  json_["hint"] = hint.json();
  return *this;
}

Hint::Hint(const std::vector<Inline>& children) : Element("hint") {
  json_["children"] = to_array(children);
}

Step::Step(std::string_view id, const Children& children) : Element("step") {
  json_["id"] = id;
  json_["children"] = to_array(not_empty(children, "a step's children"));
}

Step& Step::title(std::string_view title) {
  json_["title"] = at_most(title, 50, "a step's title");
  return *this;
}

Step& Step::next(bool allowed) {
  json_["next"] = allowed;
  return *this;
}

Stepper::Stepper(std::string_view active_step, const Action& on_step_change,
                 const Action& on_complete, const std::vector<Step>& steps)
    : Element("stepper") {
  json_["activeStep"] = active_step;
  json_["onStepChange"] = on_step_change.json();
  json_["onComplete"] = on_complete.json();
  json_["children"] = to_array(not_empty(steps, "a stepper's steps"));
}

BlockControl::BlockControl(std::string_view label, const Action& on_press) {
  json_["label"] = label;
  json_["onPress"] = on_press.json();
}

BlockControl& BlockControl::icon(Icon icon) {
  json_["icon"] = name_of(kIcons, icon);
  return *this;
}

BlockControl& BlockControl::confirm(const Confirm& confirm) {
  json_["confirm"] = confirm.json();
  return *this;
}

Block::Block(const Children& children) : Element("block") {
  json_["children"] = to_array(children);
}

Block& Block::control(const BlockControl& control) {
  json::value& controls = json_["controls"];
  if (!controls.is_array()) controls = json::array();
  controls.as_array().emplace_back(control.json());
  return *this;
}

Block& Block::control_group(const std::vector<BlockControl>& group) {
  json::value& controls = json_["controls"];
  if (!controls.is_array()) controls = json::array();
  controls.as_array().emplace_back(to_array(group));
  return *this;
}

Modal::Modal(const Children& children) : Element("modal") {
  json_["children"] = to_array(children);
}

Modal& Modal::title(std::string_view title) {
  json_["title"] = title;
  return *this;
}

Modal& Modal::subtitle(const std::vector<Inline>& subtitle) {
  json_["subtitle"] = to_array(subtitle);
  return *this;
}

Modal& Modal::size(ModalSize size) {
  json_["size"] = name_of(kModalSizes, size);
  return *this;
}

Modal& Modal::return_value(json::object value) {
  json_["returnValue"] = std::move(value);
  return *this;
}

Modal& Modal::submit(const Button& button) {
  json_["submit"] = button.json();
  return *this;
}

Configuration::Configuration(const Children& children) : Element("configuration") {
  json_["children"] = to_array(not_empty(children, "a configuration's children"));
}

Configuration::Configuration(const Stepper& stepper) : Element("configuration") {
  json_["children"] = json::array{stepper.json()};
}

}  // namespace gbrt::contentkit
