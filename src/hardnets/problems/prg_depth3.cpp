#include "hardnets/problems/prg_depth3.h"

namespace hardnets {
namespace {
const ProblemRegistration kRegister{std::make_unique<PrgDepth3Problem>()};
}  // namespace

using namespace prg_network;

PrgDepth3Problem::PrgDepth3Problem() : spec_("prg_depth3") {
  spec_
      .cite("daniely2023smoothness",
            "the theorem: depth-3 ReLU networks under N(0, I) are hard from local PRGs")
      .cite("daniely2021local", "local PRGs to hardness of learning")
      .cite("goldreich2000candidate", "Goldreich's PRG")
      .construction(Construction::Source::kReconstruction,
                    "our reconstruction of the depth-3 network (hyperedge detectors, sign and band "
                    "gadgets); the paper's gadgets were not available");
  declare_predicate_and_tau(
      spec_,
      "parameter smoothing: N(0, tau^2) added once to every parameter of the fixed "
      "architecture (the simulator is exact below about 0.01 delta)");
  spec_.real("delta", 0.0, 0.0, 10.0, "band half-width delta of the sign gadgets; 0 = 0.1 / R")
      .real("gate", 4.0, 1.0, 1e6,
            "gate M: each coordinate inside the band subtracts M from every detector");
  declare_pad_and_evaluation(spec_);
  declare_labels_and_source(spec_);
}

std::string PrgDepth3Problem::summary() const {
  return "Daniely–Srebro–Vardi depth-3 ReLU network planting Goldreich's PRG under N(0, I) inputs "
         "(hyperedge detectors, sign and band gadgets), optional parameter smoothing";
}

Instance PrgDepth3Problem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                    const GenerateContext& ctx) const {
  LabelledInstance g = generate_labelled(*this, Kind::kDepth3, params, seed, sizes, ctx);
  const Network& net = g.net;
  Instance& inst = g.inst;
  inst.task = common_task(name(), net);
  inst.task["delta"] = net.delta();
  inst.task["gate"] = net.gate();
  inst.task["H"] = net.features();
  inst.card = common_card(*this, g);
  inst.card["tau_over_delta"] = net.tau() / net.delta();
  inst.card["predicted_cases"] = predicted_cases(net.n(), net.k(), net.delta()).to_json();
  inst.card["measured_cases_train"] = measured_cases(net, inst.train.X).to_json();
  inst.card["clean_fraction_train"] = clean_fraction(net, inst.train.X);
  return std::move(inst);
}

Metrics PrgDepth3Problem::judge(const Instance& instance, const Fit& fit) const {
  return judge_network(name(), Kind::kDepth3, instance, fit);
}

}  // namespace hardnets
