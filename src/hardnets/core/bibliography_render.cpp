// Lookups and JSON renderings of the bibliography (core/bibliography.h); the
// parser is in bibliography.cpp.
#include <stdexcept>

#include <fmt/format.h>

#include "hardnets/core/bibliography.h"
#include "hardnets/core/error.h"

namespace hardnets {

const Work* find_work(const std::string& key) {
  for (const Work& w : bibliography())
    if (w.key == key) return &w;
  return nullptr;
}

std::string construction_source_name(Construction::Source source) {
  return source == Construction::Source::kPaper ? "paper" : "reconstruction";
}

Json citations_json(const std::vector<Citation>& citations) {
  Json out = Json::array();
  for (const Citation& c : citations) {
    const Work* w = find_work(c.key);
    if (!w) throw std::logic_error(fmt::format("citation of an unknown work '{}'", c.key));
    const std::string arxiv = w->plain("eprint"), url = w->plain("howpublished");
    out.push_back(Json{{"key", c.key},
                       {"what", c.what},
                       {"citation", w->citation()},
                       {"arxiv", arxiv.empty() ? Json(nullptr) : Json(arxiv)},
                       {"url", url.empty() ? Json(nullptr) : Json(url)}});
  }
  return out;
}

Json construction_json(const Construction& construction) {
  return Json{{"source", construction_source_name(construction.source)},
              {"notes", construction.notes}};
}

}  // namespace hardnets
