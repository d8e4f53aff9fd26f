// Tests for the typed parameter registry (core/params.h).
#include <gtest/gtest.h>

#include "test_util.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "hardnets/core/error.h"
#include "hardnets/core/params.h"

namespace hardnets {
namespace {

using hardnets::testing::user_error;

const double kInf = std::numeric_limits<double>::infinity();

ParamSpec teacher_spec() {
  ParamSpec spec("teacher");
  spec.integer("width", 16, 1, 65536, "hidden units")
      .integer("offset", 0, -10, 10, "signed shift")
      .real("lr", 0.1, 0.0, 1.0, "learning rate", /*min_open=*/true)
      .real("noise", 0.0, 0.0, kInf, "label noise std")
      .real("frac", 0.5, 0.0, 1.0, "fraction kept", true, true)
      .flag("bias", true, "use a bias")
      .choice("init", "normal", {"normal", "uniform", "orthogonal"}, "weight init")
      .text("tag", "", "free text");
  return spec;
}

TEST(Params, DefaultsInDeclarationOrder) {
  const ParamSpec spec = teacher_spec();
  const Params p = spec.defaults();
  EXPECT_EQ(p.integer("width"), 16);
  EXPECT_EQ(p.integer("offset"), 0);
  EXPECT_EQ(p.real("lr"), 0.1);
  EXPECT_EQ(p.real("noise"), 0.0);
  EXPECT_TRUE(p.flag("bias"));
  EXPECT_EQ(p.text("init"), "normal");
  EXPECT_EQ(p.text("tag"), "");
  EXPECT_EQ(p.real("width"), 16.0);  // real() also reads integers
  ASSERT_EQ(p.values().size(), spec.decls().size());
  for (std::size_t i = 0; i < spec.decls().size(); ++i) {
    EXPECT_EQ(p.values()[i].first, spec.decls()[i].name);
  }
  EXPECT_EQ(spec.resolve(std::vector<std::string>{}).to_json(), p.to_json());
  EXPECT_EQ(spec.resolve(Json()).to_json(), p.to_json());
  EXPECT_EQ(spec.resolve(Json::object()).to_json(), p.to_json());
}

TEST(Params, AccessorMisuseIsAProgrammingError) {
  const Params p = teacher_spec().defaults();
  EXPECT_FALSE(p.has("depth"));
  EXPECT_TRUE(p.has("width"));
  EXPECT_THROW(p.integer("depth"), std::logic_error);
  EXPECT_THROW(p.integer("lr"), std::logic_error);
  EXPECT_THROW(p.flag("width"), std::logic_error);
  EXPECT_THROW(p.text("bias"), std::logic_error);
  EXPECT_THROW(p.real("init"), std::logic_error);
  ParamSpec spec("x");
  spec.integer("a", 1, 0, 2, "");
  EXPECT_THROW(spec.real("a", 1.0, 0.0, 2.0, ""), std::logic_error);
}

TEST(Params, ParsesEachType) {
  const ParamSpec spec = teacher_spec();
  const Params p = spec.resolve(std::vector<std::string>{"width=1024", "offset=-10", "lr=1",
                                                         "noise=2.5e-3", "frac=0.25", "bias=false",
                                                         "init=orthogonal", "tag=run = 7, seed a"});
  EXPECT_EQ(p.integer("width"), 1024);
  EXPECT_EQ(p.integer("offset"), -10);
  EXPECT_EQ(p.real("lr"), 1.0);
  EXPECT_EQ(p.real("noise"), 2.5e-3);
  EXPECT_EQ(p.real("frac"), 0.25);
  EXPECT_FALSE(p.flag("bias"));
  EXPECT_EQ(p.text("init"), "orthogonal");
  EXPECT_EQ(p.text("tag"), "run = 7, seed a");  // split at the first '='
  // Integers stay integers; reals stay reals.
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(spec.parse("width", "3")));
  EXPECT_TRUE(std::holds_alternative<double>(spec.parse("lr", "1")));
  for (const char* t : {"true", "TRUE", "1", "yes", "on", "On"}) {
    EXPECT_EQ(std::get<bool>(spec.parse("bias", t)), true) << t;
  }
  for (const char* t : {"false", "False", "0", "no", "off"}) {
    EXPECT_EQ(std::get<bool>(spec.parse("bias", t)), false) << t;
  }
  // The last assignment of a name wins; order stays the declaration order.
  const Params q = spec.resolve(std::vector<std::string>{"width=3", "lr=0.5", "width=5"});
  EXPECT_EQ(q.integer("width"), 5);
  EXPECT_EQ(q.values()[0].first, "width");
  EXPECT_EQ(q.values()[2].first, "lr");
}

TEST(Params, OutOfRangeNamesOwnerParameterAndRange) {
  const ParamSpec spec = teacher_spec();
  struct Case {
    const char* name;
    const char* value;
    const char* allowed;
  };
  for (const Case c :
       {Case{"width", "0", "[1, 65536]"}, Case{"width", "65537", "[1, 65536]"},
        Case{"offset", "-11", "[-10, 10]"}, Case{"lr", "0", "(0, 1]"}, Case{"lr", "-0", "(0, 1]"},
        Case{"lr", "1.0000001", "(0, 1]"}, Case{"frac", "0", "(0, 1)"}, Case{"frac", "1", "(0, 1)"},
        Case{"noise", "-1e-300", "[0, inf"}}) {
    const std::string msg = user_error([&] { spec.parse(c.name, c.value); });
    EXPECT_CONTAINS(msg, "teacher");
    EXPECT_CONTAINS(msg, std::string("'") + c.name + "'");
    EXPECT_CONTAINS(msg, c.allowed);
  }
  // The bounds themselves are accepted where closed.
  EXPECT_EQ(std::get<std::int64_t>(spec.parse("width", "1")), 1);
  EXPECT_EQ(std::get<std::int64_t>(spec.parse("width", "65536")), 65536);
  EXPECT_EQ(std::get<double>(spec.parse("lr", "1")), 1.0);
  EXPECT_EQ(std::get<double>(spec.parse("noise", "0")), 0.0);
  EXPECT_EQ(std::get<double>(spec.parse("lr", "1e-300")), 1e-300);  // just above an open 0
  // The message repeats the value as given, not rounded to 6 digits.
  EXPECT_CONTAINS(user_error([&] { spec.parse("width", "1234567"); }), "got 1234567");
  EXPECT_CONTAINS(user_error([&] { spec.parse("lr", "1.0000001"); }), "1.0000001");
  // The allowed range of an integer parameter is printed exactly.
  ParamSpec big("sampler");
  big.integer("n", 10, 1, 12345678, "samples");
  EXPECT_EQ(big.find("n")->allowed(), "[1, 12345678]");
  EXPECT_CONTAINS(user_error([&] { big.parse("n", "12345679"); }), "[1, 12345678]");
}

TEST(Params, UnknownParameterListsKnownNames) {
  const ParamSpec spec = teacher_spec();
  const std::string msg = user_error([&] { spec.resolve(std::vector<std::string>{"widht=3"}); });
  EXPECT_CONTAINS(msg, "teacher");
  EXPECT_CONTAINS(msg, "unknown parameter 'widht'");
  for (const auto& d : spec.decls()) EXPECT_CONTAINS(msg, d.name);
  EXPECT_CONTAINS(user_error([&] { spec.resolve(Json{{"depth", 2}}); }), "'depth'");
  const ParamSpec empty("identity");
  EXPECT_CONTAINS(user_error([&] { empty.parse("x", "1"); }), "takes no parameters");
}

TEST(Params, MalformedValuesAreUserErrors) {
  const ParamSpec spec = teacher_spec();
  for (const char* name : {"width", "lr"}) {
    for (const char* text : {"1x", "", "nan", "NaN", "inf", "-inf", "x1", "1 2", "1e400"}) {
      const std::string msg = user_error([&] { spec.parse(name, text); });
      EXPECT_CONTAINS(msg, "teacher");
      EXPECT_CONTAINS(msg, std::string("'") + name + "'");
      EXPECT_CONTAINS(msg, std::string("got '") + text + "'");
    }
  }
  for (const char* text : {"1.5", "1e-3", "2.000001", "1e300"}) {
    EXPECT_CONTAINS(user_error([&] { spec.parse("width", text); }), "expects an integer");
  }
  EXPECT_CONTAINS(user_error([&] { spec.parse("bias", "maybe"); }), "true or false");
  EXPECT_CONTAINS(user_error([&] { spec.parse("bias", ""); }), "true or false");
  const std::string choice = user_error([&] { spec.parse("init", "Uniform"); });
  EXPECT_CONTAINS(choice, "one of {normal, uniform, orthogonal}");
  EXPECT_CONTAINS(choice, "'Uniform'");
  // Raw bytes never reach a message: a non-UTF-8 value or name is escaped.
  for (const auto& [name, text] : {std::pair{"width", "1\xff"}, std::pair{"init", "\x01norm"},
                                   std::pair{"bias", "\xc3("}, std::pair{"no\xfe", "1"}}) {
    const std::string msg = user_error([&] { spec.parse(name, text); });
    EXPECT_TRUE(std::all_of(msg.begin(), msg.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        << msg;
    EXPECT_CONTAINS(msg, "\\x");
  }
  EXPECT_CONTAINS(user_error([&] { split_assignment("\xff", "-p"); }), "'\\xff'");
}

TEST(Params, JsonResolve) {
  const ParamSpec spec = teacher_spec();
  // Typed values; an integer for a real is fine and becomes a double.
  const Params p = spec.resolve(Json{{"width", 32},
                                     {"lr", 1},
                                     {"bias", false},
                                     {"init", "uniform"},
                                     {"tag", "x"},
                                     {"offset", -3}});
  EXPECT_EQ(p.integer("width"), 32);
  EXPECT_TRUE(std::holds_alternative<double>(p.values()[2].second));
  EXPECT_EQ(p.real("lr"), 1.0);
  EXPECT_FALSE(p.flag("bias"));
  EXPECT_EQ(p.text("init"), "uniform");
  EXPECT_EQ(p.integer("offset"), -3);
  // Strings are parsed like command-line text; an integral float is an int.
  const Params q = spec.resolve(
      Json{{"width", "64"}, {"lr", "0.5"}, {"bias", "yes"}, {"frac", 0.75}, {"offset", 4.0}});
  EXPECT_EQ(q.integer("width"), 64);
  EXPECT_EQ(q.real("lr"), 0.5);
  EXPECT_TRUE(q.flag("bias"));
  EXPECT_EQ(q.real("frac"), 0.75);
  EXPECT_EQ(q.integer("offset"), 4);
  // Wrong types, values and shapes.
  for (const Json& bad :
       {Json{{"width", true}}, Json{{"width", 1.5}}, Json{{"width", nullptr}}, Json{{"bias", 1}},
        Json{{"init", 3}}, Json{{"tag", 5}}, Json{{"lr", Json::array({1})}},
        Json{{"lr", Json::object()}}, Json{{"lr", 0}}, Json{{"width", 0}}, Json{{"init", "he"}}}) {
    const std::string msg = user_error([&] { spec.resolve(bad); });
    EXPECT_CONTAINS(msg, "teacher");
    EXPECT_CONTAINS(msg, "'" + bad.begin().key() + "'");
  }
  EXPECT_CONTAINS(user_error([&] { spec.resolve(Json::array({1, 2})); }), "object");
  EXPECT_CONTAINS(user_error([&] { spec.resolve(Json(3)); }), "object");
  // An unsigned JSON integer beyond int64 must not wrap around into range.
  const std::string huge = user_error([&] {
    spec.resolve(Json{{"offset", std::numeric_limits<std::uint64_t>::max()}});
  });
  EXPECT_CONTAINS(huge, "'offset'");
  EXPECT_CONTAINS(huge, "[-10, 10]");
  // to_json round-trips through resolve.
  EXPECT_EQ(spec.resolve(q.to_json()).to_json(), q.to_json());
}

TEST(Params, CanonicalTextRoundTripsExactly) {
  const ParamSpec spec = teacher_spec();
  const Params p = spec.resolve(Json{{"lr", 0.123456789012345678},
                                     {"noise", 1e-300},
                                     {"frac", 0.1},
                                     {"width", 65536},
                                     {"tag", "hello"}});
  std::vector<std::string> parts;
  std::string text = p.to_string();
  EXPECT_CONTAINS(text, "width=65536");
  EXPECT_CONTAINS(text, "bias=true");
  for (std::size_t pos = 0; pos <= text.size();) {
    const auto space = std::min(text.find(' ', pos), text.size());
    parts.push_back(text.substr(pos, space - pos));
    pos = space + 1;
  }
  const Params back = spec.resolve(parts);
  EXPECT_EQ(back.real("lr"), 0.123456789012345678) << text;
  EXPECT_EQ(back.real("noise"), 1e-300) << text;
  EXPECT_EQ(back.to_json(), p.to_json()) << text;
  EXPECT_EQ(format_value(ParamValue{0.1}), "0.1");
  EXPECT_EQ(format_value(ParamValue{std::int64_t{-7}}), "-7");
  EXPECT_EQ(format_value(ParamValue{false}), "false");
}

TEST(Params, SplitAssignment) {
  EXPECT_EQ(split_assignment("a=b", "flag"), (std::pair<std::string, std::string>{"a", "b"}));
  EXPECT_EQ(split_assignment("a=", "flag"), (std::pair<std::string, std::string>{"a", ""}));
  EXPECT_EQ(split_assignment("a=b=c", "flag"), (std::pair<std::string, std::string>{"a", "b=c"}));
  for (const char* bad : {"width", "=3", "", "="}) {
    const std::string msg = user_error([&] { split_assignment(bad, "teacher parameter"); });
    EXPECT_CONTAINS(msg, "teacher parameter");
    EXPECT_CONTAINS(msg, "key=value");
    EXPECT_CONTAINS(msg, std::string("'") + bad + "'");
  }
  const std::string msg =
      user_error([&] { teacher_spec().resolve(std::vector<std::string>{"width"}); });
  EXPECT_CONTAINS(msg, "teacher");
  EXPECT_CONTAINS(msg, "key=value");
}

TEST(Params, MarkdownTableAndDescribeContainEveryParameter) {
  const ParamSpec spec = teacher_spec();
  const std::string table = spec.markdown_table();
  EXPECT_EQ(table.rfind("| parameter | type | default | allowed | description |\n", 0), 0u);
  std::size_t lines = 0;
  for (char c : table) lines += c == '\n';
  EXPECT_EQ(lines, spec.decls().size() + 2);
  for (const auto& d : spec.decls()) {
    const std::string row = "| `" + d.name + "` | " + param_type_name(d.type) + " | `" +
                            d.default_text() + "` | " + d.allowed() + " | " + d.doc + " |\n";
    EXPECT_CONTAINS(table, row);
  }
  EXPECT_CONTAINS(table, "| `lr` | real | `0.1` | (0, 1] | learning rate |");
  EXPECT_CONTAINS(table, "one of {normal, uniform, orthogonal}");
  const Json desc = spec.describe();
  ASSERT_TRUE(desc.is_array());
  ASSERT_EQ(desc.size(), spec.decls().size());
  for (std::size_t i = 0; i < desc.size(); ++i) {
    const auto& d = spec.decls()[i];
    EXPECT_EQ(desc[i]["name"], d.name);
    EXPECT_EQ(desc[i]["type"], param_type_name(d.type));
    EXPECT_EQ(desc[i]["default"], value_to_json(d.default_value));
    EXPECT_EQ(desc[i]["allowed"], d.allowed());
    EXPECT_EQ(desc[i]["doc"], d.doc);
  }
  EXPECT_EQ(ParamSpec("identity").markdown_table(), "_No parameters._\n");
}

}  // namespace
}  // namespace hardnets
