// The works hardnets cites, from one source: docs/references.bib, embedded
// in the binary at build time (`hardnets cite --bibtex` prints it back); and
// the citations problems and learners declare with their parameters
// (ParamSpec::cite): which work each follows and what it takes from it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hardnets/core/json.h"

namespace hardnets {

struct Work {
  std::string key;   // BibTeX key, e.g. "daniely2023smoothness"
  std::string type;  // inproceedings, article, misc, ...
  // The entry's fields as written (braces kept), by lower-case name.
  std::vector<std::pair<std::string, std::string>> fields;
  // A field's text as written ("" if absent), and with TeX braces and
  // accents turned into plain UTF-8.
  std::string raw(const std::string& field) const;
  std::string plain(const std::string& field) const;
  // "Daniely, Srebro, Vardi (2023)"; more than four authors: "Couteau et al. (2018)".
  std::string shown() const;
  // shown(), the title and the venue (booktitle, journal or institution),
  // with the arXiv number when the entry has one.
  std::string citation() const;
};

// Every work, in docs/references.bib's order (parsed once from the copy the
// binary embeds).
const std::vector<Work>& bibliography();
// The work of `key`, or nullptr.
const Work* find_work(const std::string& key);
// docs/references.bib as embedded.
std::string bibtex();
// Parses BibTeX text of the kind docs/references.bib holds (entries of
// `name = {value}` fields; % comments between entries). UserError naming the
// line for anything else.
std::vector<Work> parse_bibtex(const std::string& text);

// A citation as a problem or learner declares it: the work and what it
// gives (e.g. "the construction", "the attack", "the theorem tested").
struct Citation {
  std::string key;
  std::string what;
};

// What of a problem's construction is the cited paper's. kReconstruction:
// built by us where the paper's construction could not be read or checked;
// results from it must not be cited as the paper's construction.
struct Construction {
  enum class Source { kPaper, kReconstruction };
  Source source = Source::kPaper;
  std::string notes;
};
std::string construction_source_name(Construction::Source source);

// [{key, what, citation (Work::citation), arxiv, url}].
Json citations_json(const std::vector<Citation>& citations);
// {source: "paper" | "reconstruction", notes}.
Json construction_json(const Construction& construction);

}  // namespace hardnets
