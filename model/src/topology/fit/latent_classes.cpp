#include "latent_classes.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace palette::model::fit {
namespace {

constexpr double kMinSd = 0.05;
constexpr double kLog2Pi = 1.8378770664093453;

// Normalises log-weights in place into probabilities; returns the log of their sum.
double softmax(std::vector<double>& logw) {
  double m = *std::max_element(logw.begin(), logw.end());
  double s = 0;
  for (double& x : logw) {
    x = std::exp(x - m);
    s += x;
  }
  for (double& x : logw) x /= s;
  return m + std::log(s);
}

// EM has converged when an iteration no longer moves the log-likelihood (relative 1e-7).
bool converged(uint32_t iteration, double loglik, double previous) {
  return iteration > 0 && std::abs(loglik - previous) <= 1e-7 * std::abs(loglik);
}

// Scales class weights to sum to one.
void normalize(std::vector<double>& weights) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (double& x : weights) x /= sum;
}

}  // namespace

LatencyClassFit fit_latency_classes(const std::vector<std::vector<ScoreObservation>>& obs, uint32_t groups,
                                    uint32_t classes, uint32_t iterations) {
  const uint32_t K = std::max(1u, classes);
  const size_t R = obs.size();
  LatencyClassFit fit;
  fit.weights.assign(K, 1.0 / K);
  fit.params.assign(groups, std::vector<LatentParams>(K));
  if (R == 0) return fit;
  // Initialise: rank requests by their mean score and cut the ranking into K equal bins.
  std::vector<std::vector<double>> resp(R, std::vector<double>(K, 0.0));
  {
    std::vector<std::pair<double, size_t>> order(R);
    for (size_t r = 0; r < R; ++r) {
      double m = 0;
      for (const auto& o : obs[r]) m += o.z;
      order[r] = {obs[r].empty() ? 0.0 : m / static_cast<double>(obs[r].size()), r};
    }
    std::stable_sort(order.begin(), order.end());
    for (size_t i = 0; i < R; ++i) resp[order[i].second][std::min<size_t>(K - 1, i * K / R)] = 1.0;
  }
  std::vector<double> w(K), s1, s2, sw;
  std::vector<double> logw(K), log_weight(K);
  std::vector<double> inv_sd(size_t{groups} * K), norm(size_t{groups} * K), mu(size_t{groups} * K);
  for (uint32_t it = 0; it <= iterations; ++it) {
    // M-step.
    s1.assign(size_t{groups} * K, 0.0);
    s2.assign(size_t{groups} * K, 0.0);
    sw.assign(size_t{groups} * K, 0.0);
    std::fill(w.begin(), w.end(), 0.0);
    for (size_t r = 0; r < R; ++r)
      for (uint32_t k = 0; k < K; ++k) {
        double q = resp[r][k];
        if (q < 1e-12) continue;
        w[k] += q;
        for (const auto& o : obs[r]) {
          size_t i = size_t{o.group} * K + k;
          sw[i] += q;
          s1[i] += q * o.z;
          s2[i] += q * o.z * o.z;
        }
      }
    double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (uint32_t k = 0; k < K; ++k) fit.weights[k] = std::max(w[k] / total, 1e-9);
    for (uint32_t g = 0; g < groups; ++g)
      for (uint32_t k = 0; k < K; ++k) {
        size_t i = size_t{g} * K + k;
        // A class that saw little of a group falls back to the standard normal (prior weight 1).
        double n = sw[i] + 1.0;
        double mean = s1[i] / n;
        double var = (s2[i] + 1.0) / n - mean * mean;
        fit.params[g][k] = LatentParams{mean, std::max(kMinSd, std::sqrt(std::max(var, 0.0)))};
      }
    if (it == iterations) break;
    // E-step, with 1/sd and log(sd) computed once per (group, class): the log was most of the cost.
    for (size_t i = 0; i < inv_sd.size(); ++i) {
      const LatentParams& p = fit.params[i / K][i % K];
      inv_sd[i] = 1.0 / p.stddev;
      norm[i] = std::log(p.stddev) + 0.5 * kLog2Pi;
      mu[i] = p.mean;
    }
    for (uint32_t k = 0; k < K; ++k) log_weight[k] = std::log(fit.weights[k]);
    double loglik = 0;
    for (size_t r = 0; r < R; ++r) {
      for (uint32_t k = 0; k < K; ++k) logw[k] = log_weight[k];
      for (const auto& o : obs[r]) {
        const size_t base = size_t{o.group} * K;
        for (uint32_t k = 0; k < K; ++k) {
          double d = (o.z - mu[base + k]) * inv_sd[base + k];
          logw[k] -= 0.5 * d * d + norm[base + k];
        }
      }
      loglik += softmax(logw);
      resp[r] = logw;
    }
    // Converged: the remaining iterations would not move the fit.
    const bool done = converged(it, loglik, fit.loglik);
    fit.loglik = loglik;
    if (done) iterations = it + 1;
  }
  normalize(fit.weights);
  return fit;
}

std::vector<size_t> spread_sample(size_t n, uint64_t max) {
  std::vector<size_t> out;
  if (max == 0 || n <= max) {
    out.resize(n);
    std::iota(out.begin(), out.end(), size_t{0});
    return out;
  }
  for (uint64_t i = 0; i < max; ++i) out.push_back(static_cast<size_t>(i * n / max));
  return out;
}

std::vector<std::vector<double>> structure_responsibilities(const StructureClassFit& fit,
                                                            const std::vector<std::vector<ChoiceObservation>>& obs) {
  const size_t S = fit.weights.size();
  std::vector<std::vector<double>> out(obs.size(), std::vector<double>(S, 1.0));
  if (S < 2) return out;
  std::vector<double> logw(S);
  for (size_t r = 0; r < obs.size(); ++r) {
    for (size_t s = 0; s < S; ++s) {
      double l = std::log(fit.weights[s]);
      for (const auto& o : obs[r]) l += std::log(std::max(fit.probabilities[o.slot][s][o.option], 1e-300));
      logw[s] = l;
    }
    softmax(logw);
    out[r] = logw;
  }
  return out;
}

StructureClassFit fit_structure_classes(const std::vector<std::vector<ChoiceObservation>>& obs,
                                        const std::vector<std::vector<double>>& base, uint32_t classes,
                                        uint32_t iterations) {
  const uint32_t S = std::max(1u, classes);
  const size_t R = obs.size();
  const size_t slots = base.size();
  const double prior = 2.0;  // pseudo-observations pulling each class toward the base probabilities
  StructureClassFit fit;
  fit.weights.assign(S, 1.0 / S);
  fit.probabilities.assign(slots, std::vector<std::vector<double>>(S));
  for (size_t q = 0; q < slots; ++q)
    for (uint32_t s = 0; s < S; ++s) fit.probabilities[q][s] = base[q];
  fit.responsibilities.assign(R, std::vector<double>(S, 1.0 / S));
  if (R == 0 || S == 1) return fit;
  // Initialise: requests with the same choices together; the most common signatures in distinct classes.
  {
    std::map<std::vector<std::pair<uint32_t, uint32_t>>, std::pair<uint64_t, size_t>> sig;  // -> (count, rank)
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> keys(R);
    for (size_t r = 0; r < R; ++r) {
      for (const auto& o : obs[r]) keys[r].emplace_back(o.slot, o.option);
      std::sort(keys[r].begin(), keys[r].end());
      ++sig[keys[r]].first;
    }
    std::vector<std::pair<uint64_t, const std::vector<std::pair<uint32_t, uint32_t>>*>> ranked;
    for (auto& [k, v] : sig) ranked.emplace_back(v.first, &k);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < ranked.size(); ++i) sig[*ranked[i].second].second = i;
    for (size_t r = 0; r < R; ++r) {
      std::fill(fit.responsibilities[r].begin(), fit.responsibilities[r].end(), 0.0);
      fit.responsibilities[r][sig[keys[r]].second % S] = 1.0;
    }
  }
  std::vector<std::vector<std::vector<double>>> counts(slots);
  std::vector<std::vector<std::vector<double>>> logp(slots, std::vector<std::vector<double>>(S));
  std::vector<double> logw(S);
  for (uint32_t it = 0; it <= iterations; ++it) {
    // M-step: soft counts, smoothed toward the base probabilities.
    std::vector<double> w(S, 0.0);
    for (size_t q = 0; q < slots; ++q) counts[q].assign(S, std::vector<double>(base[q].size(), 0.0));
    for (size_t r = 0; r < R; ++r)
      for (uint32_t s = 0; s < S; ++s) {
        double p = fit.responsibilities[r][s];
        w[s] += p;
        if (p < 1e-12) continue;
        for (const auto& o : obs[r]) counts[o.slot][s][o.option] += p;
      }
    double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (uint32_t s = 0; s < S; ++s) fit.weights[s] = std::max(w[s] / total, 1e-9);
    for (size_t q = 0; q < slots; ++q)
      for (uint32_t s = 0; s < S; ++s) {
        double n = std::accumulate(counts[q][s].begin(), counts[q][s].end(), 0.0);
        auto& p = fit.probabilities[q][s];
        for (size_t o = 0; o < p.size(); ++o) p[o] = (counts[q][s][o] + prior * base[q][o]) / (n + prior);
      }
    if (it == iterations) break;
    // E-step, from log-probability tables computed once per iteration.
    for (size_t q = 0; q < slots; ++q)
      for (uint32_t s = 0; s < S; ++s) {
        auto& lp = logp[q][s];
        lp.resize(fit.probabilities[q][s].size());
        for (size_t o = 0; o < lp.size(); ++o) lp[o] = std::log(std::max(fit.probabilities[q][s][o], 1e-300));
      }
    double loglik = 0;
    for (size_t r = 0; r < R; ++r) {
      for (uint32_t s = 0; s < S; ++s) {
        double l = std::log(fit.weights[s]);
        for (const auto& o : obs[r]) l += logp[o.slot][s][o.option];
        logw[s] = l;
      }
      loglik += softmax(logw);
      fit.responsibilities[r] = logw;
    }
    const bool done = converged(it, loglik, fit.loglik);
    fit.loglik = loglik;
    if (done) iterations = it + 1;
  }
  normalize(fit.weights);
  return fit;
}

}  // namespace palette::model::fit
