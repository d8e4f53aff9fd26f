#include "hardnets/core/bibliography.h"

#include <cctype>

#include <fmt/format.h>

#include "hardnets/core/error.h"
#include "hardnets/core/references_bib.h"  // kReferencesBib, generated from docs/references.bib

namespace hardnets {

namespace {

// A reader over BibTeX text that knows its line for messages.
struct BibReader {
  const std::string& text;
  std::size_t at = 0;

  int line() const {
    int n = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) n += text[i] == '\n';
    return n;
  }
  [[noreturn]] void error(const std::string& what) const {
    fail("bibliography, line {}: {}", line(), what);
  }
  // Skips white space and % comments.
  void skip() {
    while (at < text.size()) {
      if (std::isspace(static_cast<unsigned char>(text[at]))) {
        ++at;
      } else if (text[at] == '%') {
        while (at < text.size() && text[at] != '\n') ++at;
      } else {
        break;
      }
    }
  }
  std::string word() {
    const std::size_t from = at;
    while (at < text.size() && (std::isalnum(static_cast<unsigned char>(text[at])) ||
                                text[at] == '_' || text[at] == '-' || text[at] == ':'))
      ++at;
    if (at == from) error("expected a name");
    return text.substr(from, at - from);
  }
  void expect(char c) {
    skip();
    if (at >= text.size() || text[at] != c) error(fmt::format("expected '{}'", c));
    ++at;
  }
  // A {braced} value, nested braces kept, the outer pair dropped.
  std::string braced() {
    expect('{');
    const std::size_t from = at;
    int depth = 1;
    for (; at < text.size(); ++at) {
      if (text[at] == '\\') {
        ++at;
        continue;
      }
      if (text[at] == '{') ++depth;
      if (text[at] == '}' && --depth == 0) return text.substr(from, at++ - from);
    }
    error("unbalanced braces");
  }
};

Work read_entry(BibReader& r) {
  Work w;
  r.expect('@');
  w.type = r.word();
  r.expect('{');
  r.skip();
  w.key = r.word();
  for (;;) {
    r.skip();
    if (r.at < r.text.size() && r.text[r.at] == '}') {
      ++r.at;
      return w;
    }
    r.expect(',');
    r.skip();
    if (r.at < r.text.size() && r.text[r.at] == '}') continue;  // a trailing comma
    std::string name = r.word();
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.expect('=');
    w.fields.emplace_back(std::move(name), r.braced());
  }
}

// TeX accents the bibliography uses, as UTF-8.
constexpr std::pair<const char*, const char*> kAccents[] = {
    {"{\\\"o}", "ö"}, {"{\\\"u}", "ü"}, {"{\\\"e}", "ë"}, {"{\\\"a}", "ä"}, {"{\\'e}", "é"},
    {"{\\'a}", "á"},  {"{\\'o}", "ó"},  {"{\\'E}", "É"},  {"{\\`e}", "è"},  {"\\&", "&"},
    {"\\_", "_"},     {"~", " "},       {"--", "–"}};

std::string detex(std::string s) {
  for (const auto& [tex, utf8] : kAccents) {
    for (std::size_t p = s.find(tex); p != std::string::npos; p = s.find(tex, p)) {
      s.replace(p, std::string(tex).size(), utf8);
    }
  }
  if (s.rfind("\\url", 0) == 0) s = s.substr(4);
  std::string out;
  for (char c : s)
    if (c != '{' && c != '}') out += c;
  return out;
}

// The surname of one "Last, First" or "First Last" author ({Braced} kept whole).
std::string surname(std::string author) {
  while (!author.empty() && author.front() == ' ') author.erase(0, 1);
  while (!author.empty() && author.back() == ' ') author.pop_back();
  if (!author.empty() && author.front() == '{') return detex(author);
  if (const auto comma = author.find(','); comma != std::string::npos)
    return detex(author.substr(0, comma));
  const auto space = author.rfind(' ');
  return detex(space == std::string::npos ? author : author.substr(space + 1));
}

}  // namespace

std::vector<Work> parse_bibtex(const std::string& text) {
  BibReader r{text};
  std::vector<Work> out;
  for (r.skip(); r.at < text.size(); r.skip()) out.push_back(read_entry(r));
  return out;
}

const std::vector<Work>& bibliography() {
  static const std::vector<Work> works = parse_bibtex(std::string(generated::kReferencesBib));
  return works;
}

std::string bibtex() {
  return std::string(generated::kReferencesBib);
}

std::string Work::raw(const std::string& field) const {
  for (const auto& [name, value] : fields)
    if (name == field) return value;
  return "";
}

std::string Work::plain(const std::string& field) const {
  return detex(raw(field));
}

std::string Work::shown() const {
  const std::string authors = raw("author");  // braces group names: split before detex
  std::vector<std::string> names;
  for (std::size_t from = 0;;) {
    const std::size_t and_at = authors.find(" and ", from);
    names.push_back(surname(authors.substr(from, and_at - from)));
    if (and_at == std::string::npos) break;
    from = and_at + 5;
  }
  std::string who = names.front();
  if (names.size() > 4) {
    who += " et al.";
  } else {
    for (std::size_t i = 1; i < names.size(); ++i) who += ", " + names[i];
  }
  const std::string year = plain("year");
  return year.empty() ? who : fmt::format("{} ({})", who, year);
}

std::string Work::citation() const {
  std::string venue = plain("booktitle");
  for (const char* f : {"journal", "institution", "school", "howpublished"})
    if (venue.empty()) venue = plain(f);
  std::string out = fmt::format("{}. {}", shown(), plain("title"));
  if (!venue.empty()) out += ". " + venue;
  if (!plain("eprint").empty()) out += ", arXiv " + plain("eprint");
  return out;
}

}  // namespace hardnets
