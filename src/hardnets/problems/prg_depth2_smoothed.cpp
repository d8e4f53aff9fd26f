#include "hardnets/problems/prg_depth2_smoothed.h"

namespace hardnets {
namespace {
const ProblemRegistration kRegister{std::make_unique<PrgDepth2SmoothedProblem>()};
}  // namespace

using namespace prg_network;

PrgDepth2SmoothedProblem::PrgDepth2SmoothedProblem() : spec_("prg_depth2_smoothed") {
  spec_
      .cite("daniely2023smoothness",
            "the theorem: smoothed depth-2 networks are hard from local PRGs")
      .cite("daniely2021local", "local PRGs to hardness of learning")
      .cite("goldreich2000candidate", "Goldreich's PRG")
      .construction(Construction::Source::kReconstruction,
                    "our reconstruction of the smoothed depth-2 network; the paper's gadgets were "
                    "not available");
  declare_predicate_and_tau(
      spec_,
      "parameter smoothing: N(0, tau^2) added once to every parameter of the fixed "
      "architecture (the simulator is exact while tau |x| sqrt(2 ln(n^(k) N)) <~ 0.3)");
  spec_.real("omega", 0.02, 0.0, 10.0, "input smoothing: x = (mu(S), 0) + N(0, omega^2 I_d)")
      .choice("base", "distinct", {"distinct", "hypercube"},
              "base tuple S: uniform over distinct tuples, or uniform sign bits (repeated "
              "indices allowed; their label is the output bias)");
  declare_pad_and_evaluation(spec_);
  declare_labels_and_source(spec_);
}

std::string PrgDepth2SmoothedProblem::summary() const {
  return "Daniely–Srebro–Vardi depth-2 ReLU network planting Goldreich's PRG under "
         "Gaussian-blurred hypercube inputs, optional parameter smoothing";
}

Instance PrgDepth2SmoothedProblem::generate(const Params& params, Seed seed, const Sizes& sizes,
                                            const GenerateContext& ctx) const {
  LabelledInstance g = generate_labelled(*this, Kind::kDepth2, params, seed, sizes, ctx);
  const Network& net = g.net;
  Instance& inst = g.inst;
  inst.task = common_task(name(), net);
  inst.task["omega"] = net.omega();
  inst.task["base"] = params.text("base");
  inst.card = common_card(*this, g);
  inst.card["base"] = params.text("base");
  // Only a hypercube base repeats indices (the distinct base never does).
  inst.card["predicted_repeated"] =
      net.hypercube_base() ? predicted_cases(net.n(), net.k(), net.delta()).repeated : 0.0;
  inst.card["measured_repeated_train"] = measured_cases(net, inst.train.X).repeated;
  inst.card["clean_fraction_train"] = clean_fraction(net, inst.train.X);
  return std::move(inst);
}

Metrics PrgDepth2SmoothedProblem::judge(const Instance& instance, const Fit& fit) const {
  return judge_network(name(), Kind::kDepth2, instance, fit);
}

}  // namespace hardnets
