#include "unict/core/seed.h"

#include <cmath>

#include "unict/core/error.h"

namespace unict::core {
std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::uint64_t splitmix64_next(std::uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t derive_seed(std::uint64_t root, std::string_view name, std::initializer_list<std::uint64_t> indices) {
  // Each component is folded into a SplitMix64 state and stirred, so nearby roots or indices give
  // unrelated seeds, and (a, b) differs from (b, a).
  std::uint64_t state = root;
  std::uint64_t seed = splitmix64_next(state);
  state ^= fnv1a64(name);
  seed ^= splitmix64_next(state);
  for (std::uint64_t index : indices) {
    state ^= index;
    seed = splitmix64_next(state) ^ (seed * 0x9e3779b97f4a7c15ULL);
  }
  return seed;
}

Rng::Rng(std::uint64_t seed) : engine_(seed) {}

double Rng::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform(); }

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw internal_error("Rng::below(0)");
  // Rejection sampling: drop the top partial block of 2^64 so every residue is equally likely.
  const std::uint64_t limit = (~std::uint64_t{0}) - ((~std::uint64_t{0}) % bound + 1) % bound;
  std::uint64_t x = engine_();
  while (x > limit) x = engine_();
  return x % bound;
}

constexpr double kPi = 3.14159265358979323846;

double Rng::normal() {
  // Box-Muller with one draw discarded: simpler state, and speed is not a concern here.
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

}  // namespace unict::core
