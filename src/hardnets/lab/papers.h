// The five papers whose claims the lab measures: for each, its bibliography
// key, the claim in a few sentences (our words, from the papers' abstracts)
// and what the lab cannot reach at its scale. `hardnets report` writes one
// page per paper whose problems are in the database (docs/reports.md); a
// problem belongs to the first of these papers it cites.
#pragma once

#include <string>
#include <vector>

#include "hardnets/core/json.h"

namespace hardnets {

struct PaperClaim {
  std::string key;     // docs/references.bib
  std::string claim;   // what the paper proves
  std::string limits;  // what the lab does not reach at this scale
};

const std::vector<PaperClaim>& paper_claims();

// [{key, citation, claim, limits, problems: [names citing it first]}], for
// the report script.
Json papers_json();

}  // namespace hardnets
