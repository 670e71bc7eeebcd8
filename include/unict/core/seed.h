// Seeding: one root seed (run.seed) yields an independent, reproducible stream for every consumer
// (a data loader worker, an epoch's shuffle, model initialisation), named by a string and a few
// indices. Streams are pure functions of (root, name, indices): the same whatever the thread that
// draws them, the order they are created in, or the number of workers.
//
// Only fully specified algorithms are used (SplitMix64, std::mt19937_64, and our own conversions
// to real numbers), so the numbers are the same with every compiler and standard library; the
// std:: distributions are not, which is why Rng has its own.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace unict::core {

// FNV-1a, 64 bit: a stable hash of text (std::hash may differ between standard libraries).
std::uint64_t fnv1a64(std::string_view text);

// One step of SplitMix64 (Steele, Lea, Flood 2014): advances `state`, returns the next output.
std::uint64_t splitmix64_next(std::uint64_t& state);

// The seed of stream `name` with `indices` under `root`.
std::uint64_t derive_seed(std::uint64_t root, std::string_view name, std::initializer_list<std::uint64_t> indices = {});

class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  Rng(std::uint64_t root, std::string_view name, std::initializer_list<std::uint64_t> indices = {})
      : Rng(derive_seed(root, name, indices)) {}

  std::uint64_t next_u64() { return engine_(); }
  double uniform();                              // [0, 1), 53 random bits
  double uniform(double low, double high);       // [low, high)
  std::uint64_t below(std::uint64_t bound);      // [0, bound), unbiased; bound > 0
  double normal();                               // standard normal (Box-Muller)
  bool bernoulli(double p) { return uniform() < p; }

  // Fisher-Yates from the back (one below(i) draw for i = n down to 2): every permutation equally
  // likely, and the same draws (hence the same order) on every platform.
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[static_cast<std::size_t>(below(i))]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace unict::core
