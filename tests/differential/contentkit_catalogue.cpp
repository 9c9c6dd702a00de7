#include "contentkit_catalogue.hpp"

namespace gbrt::test {

namespace ck = gbrt::contentkit;

namespace {

ck::Confirm confirm() {
  return ck::Confirm("Delete it?", "This cannot be undone.", "Delete")
      .style(ck::ConfirmStyle::danger);
}

ck::Image image() {
  return ck::Image("https://example.com/logo.png", 1.5);
}

ck::Link link() {
  return ck::Link("https://example.com", "a link");
}

ck::Url url() {
  return ck::Url("api.example.com", "/v1/options")
      .query("q", "x")
      .query("space", ck::DynamicBinding{"space"});
}

ck::Button button() {
  return ck::Button("Go", ck::Action("go", {{"step", 2}}))
      .style(ck::ButtonStyle::primary)
      .icon(ck::Icon::link_external)
      .trailing_icon(ck::Icon::delete_)
      .tooltip("Goes")
      .confirm(confirm())
      .disabled(false);
}

// One of each descendant, every option set.
ck::Children every_descendant() {
  return {
      ck::Text("plain"),
      ck::Text({"a ", ck::Text("bold").style(ck::TextStyle::bold), " and ", link()})
          .style(ck::TextStyle::italic),
      ck::Markdown("**md**"),
      ck::Markdown(ck::DynamicBinding{"notes"}),
      button(),
      ck::Button(ck::Action::open_url("https://example.com")).icon(ck::Icon::github),
      ck::Button("Open", ck::Action::open_modal("editor", {{"id", 1}})),
      ck::Button("Close", ck::Action::close_modal({{"saved", true}})),
      ck::Button("Unfurl", ck::Action::unfurl_link("https://example.com/x")),
      ck::Button("Save", ck::Action::update_node_props({{"a", "b"}})),
      ck::TextInput("name")
          .initial_value("Ada")
          .placeholder("Your name")
          .multiline()
          .input_type(ck::InputType::email)
          .disabled(false),
      ck::Divider().size(ck::Size::large),
      ck::HStack({ck::Text("left"), ck::Text("right")}).align(ck::Align::center),
      ck::VStack({}).align(ck::Align::end),
      ck::Box({ck::Divider()}).grow(1),
      ck::WebFrame("https://example.com/embed")
          .aspect_ratio(16.0 / 9.0)
          .buttons({ck::Button(ck::Action("maximize")).icon(ck::Icon::maximize)})
          .data("theme", "dark")
          .data("count", ck::DynamicBinding{"count"}),
      ck::CodeBlock("int main() {}")
          .syntax("cpp")
          .line_numbers()
          .buttons({button()})
          .state("code")
          .on_content_change(ck::Action("edited"))
          .header({ck::Text("main.cpp")})
          .footer({ck::Text("C++20")}),
      ck::CodeBlock(ck::DynamicBinding{"code"}).line_numbers_from(10),
      ck::Card()
          .title("A card")
          .hint("a hint")
          .icon(ck::Icon::star)
          .on_press(ck::Action("pressed"))
          .children({ck::Text("inside")})
          .buttons({button()}),
      ck::Card().hint({ck::Text("t"), image(), link()}).icon(image()),
      ck::Image("https://example.com/photo.jpg", 4.0 / 3.0),
      ck::Input("Name", ck::TextInput("name")).hint("as on your passport"),
      ck::Input("Kind", ck::Select("kind", {ck::SelectOption("a", "A").icon(ck::Icon::eye),
                                            ck::SelectOption("b", "B").icon(image())})
                            .initial_value("a")
                            .on_value_change(ck::Action("kind"))
                            .placeholder("Pick one")
                            .accept_input()
                            .disabled(false))
          .hint(ck::Text("inline hint")),
      ck::Input("On", ck::Switch("on")
                          .initial_value(true)
                          .on_value_change(ck::Action("toggled"))
                          .confirm(confirm())
                          .disabled(false)),
      ck::Input("Pick", ck::Radio("pick", "x").confirm(confirm()).disabled(false)).hint(link()),
      ck::Input("Many", ck::Checkbox("many", 3).confirm(confirm())),
      ck::Input("Do", button()),
      ck::Input("Code", ck::CodeBlock("x")),
      ck::Select("tags", ck::SelectOptions::openapi()).multiple().initial_values({"a", "b"}),
      ck::Select("remote", ck::SelectOptions::from_url("https://example.com/options")),
      ck::Select("remote2", ck::SelectOptions::from_url(url())),
      ck::Switch("plain"),
      ck::Radio("r", 2.5),
      ck::Checkbox("c", "v"),
      ck::Hint({ck::Text("Note: "), link(), image()}),
      ck::Link(url(), std::vector<std::string>{"two ", "parts"}),
      ck::Step("alone", {ck::Text("a step as a child")}).title("Alone").next(),
  };
}

}  // namespace

std::vector<std::pair<std::string, ck::Root>> contentkit_catalogue() {
  std::vector<std::pair<std::string, ck::Root>> elements;
  elements.emplace_back(
      "block: every descendant",
      ck::Block(every_descendant())
          .control(
              ck::BlockControl("Edit", ck::Action("edit")).icon(ck::Icon::edit).confirm(confirm()))
          .control_group(
              {ck::BlockControl("A", ck::Action("a")), ck::BlockControl("B", ck::Action("b"))}));
  elements.emplace_back("block: empty", ck::Block({}));
  elements.emplace_back("modal: every option",
                        ck::Modal(every_descendant())
                            .title("A modal")
                            .subtitle({ck::Text("sub"), link(), image()})
                            .size(ck::ModalSize::xlarge)
                            .return_value({{"ok", true}})
                            .submit(ck::Button("Submit", ck::Action("submit"))));
  elements.emplace_back("modal: bare", ck::Modal({ck::Text("x")}));
  elements.emplace_back("configuration: children", ck::Configuration(every_descendant()));
  elements.emplace_back(
      "configuration: stepper",
      ck::Configuration(ck::Stepper(
          "one", ck::Action("step"), ck::Action("done"),
          {ck::Step("one", {ck::TextInput("name")}).title("First"),
           ck::Step("two", {ck::Select("kind", {ck::SelectOption("a", "A")})}).next(false)})));
  // What the README, docs/handlers.md and the examples render.
  elements.emplace_back("README: greeting", ck::Block({ck::Text("Hello Ada")}));
  elements.emplace_back(
      "docs/handlers.md: counter",
      ck::Block({ck::Text("Count: 1"), ck::Button("+1", ck::Action("increment"))}));
  elements.emplace_back("examples: a text in a block", ck::Block({ck::Text("3 views")}));
  return elements;
}

}  // namespace gbrt::test
