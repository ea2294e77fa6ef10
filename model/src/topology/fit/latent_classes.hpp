#pragma once
// Per-request latent classes, fitted by EM over whole requests (deterministic initialisation, fixed
// iterations). Two kinds:
//  - latency classes: every invocation's local work (and every call's overhead) is a normal score z
//    within its context; a request of class k draws z ~ N(mean[g][k], sd[g][k]) for each group g (an
//    API, or an edge). Real requests are slow together; this keeps them so.
//  - structure classes: every PFA choice (state, transition) of every invocation of a request is drawn
//    from class-specific transition probabilities, keeping the choices of one request consistent
//    (e.g. which request type it is, which sibling makes the extra fan-out).
#include <cstdint>
#include <vector>

#include "palette/topology/gcm.hpp"

namespace palette::model::fit {

struct ScoreObservation {
  uint32_t group;  // API or edge
  double z;
};

struct LatencyClassFit {
  std::vector<double> weights;                     // K
  std::vector<std::vector<LatentParams>> params;   // [group][k]
  double loglik = 0;
};

// observations[request] = the request's scores. groups = number of distinct groups.
LatencyClassFit fit_latency_classes(const std::vector<std::vector<ScoreObservation>>& observations, uint32_t groups,
                                    uint32_t classes, uint32_t iterations);

struct ChoiceObservation {
  uint32_t slot;    // a (API, PFA state) pair, numbered densely by the caller
  uint32_t option;  // transition index, out.size() = finish
};

struct StructureClassFit {
  std::vector<double> weights;                                   // S
  std::vector<std::vector<std::vector<double>>> probabilities;   // [slot][s][option], smoothed
  std::vector<std::vector<double>> responsibilities;             // [request][s]
  double loglik = 0;
};

// options_per_slot[slot] = number of options; base[slot] = the class-free probabilities to smooth to.
StructureClassFit fit_structure_classes(const std::vector<std::vector<ChoiceObservation>>& observations,
                                        const std::vector<std::vector<double>>& base, uint32_t classes,
                                        uint32_t iterations);

// Class responsibilities of requests under a fitted structure model (one E-step), e.g. for requests
// that were not in the EM sample.
std::vector<std::vector<double>> structure_responsibilities(const StructureClassFit& fit,
                                                            const std::vector<std::vector<ChoiceObservation>>& observations);

// An even spread of at most `max` of `n` indices (all of them when n <= max).
std::vector<size_t> spread_sample(size_t n, uint64_t max);

}  // namespace palette::model::fit
