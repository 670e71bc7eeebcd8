// BatchNorm against LibTorch's own: per process it is LibTorch's BatchNorm3d call for call; with
// GlobalBatchStatistics, two "ranks" (two threads summing through a shared buffer, as Gloo's
// all-reduce would) each holding half of a batch compute what LibTorch's BatchNorm computes on the
// whole batch: outputs, running statistics, the input's and the parameters' gradients.
#include "unict/model/batch_norm.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "unict/model/batch_statistics.h"
#include "unict/model/lesion_evidence.h"

namespace unict::model {
namespace {

// Float32 results of the same sums in another order (ATen's one-pass Welford against our two
// passes over the global batch, a sum split into two halves): a few units in the last place of
// values of order 1, amplified at most by 1 / sqrt(var) ~ 1 here. 1e-5 is well above that and far
// below any error of formula (a missed term changes outputs by O(1)).
constexpr double kTolerance = 1e-5;

double max_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// An all-reduce over two threads: each thread is a rank (its id in thread-local `rank`).
class TwoThreadSum {
 public:
  void operator()(const at::Tensor& t) {
    std::unique_lock<std::mutex> lock(mutex_);
    const int me = rank;
    parts_[me] = t.clone();
    const long round = round_;
    if (++arrived_ == 2) {
      sum_ = parts_[0] + parts_[1];
      arrived_ = 0;
      ++round_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return round_ != round; });
    }
    t.copy_(sum_);
  }
  static thread_local int rank;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  at::Tensor parts_[2], sum_;
  int arrived_ = 0;
  long round_ = 0;
};
thread_local int TwoThreadSum::rank = 0;

TEST(BatchNorm, PerProcessItIsLibTorchsBatchNormBitForBit) {
  torch::manual_seed(3);
  BatchNorm ours(6);
  torch::nn::BatchNorm3d theirs(6);
  {
    torch::NoGradGuard no_grad;
    ours->named_parameters()["weight"].uniform_(0.5, 1.5);
    ours->named_parameters()["bias"].uniform_(-0.5, 0.5);
    theirs->weight.copy_(ours->weight());
    theirs->bias.copy_(ours->bias());
  }
  for (int step = 0; step < 3; ++step) {
    auto x1 = (torch::randn({2, 6, 3, 4, 5}) * 2 + 1).requires_grad_();
    auto x2 = x1.detach().clone().requires_grad_();
    const auto y1 = ours->forward(x1), y2 = theirs->forward(x2);
    EXPECT_TRUE(torch::equal(y1, y2));
    (y1 * y1).sum().backward();
    (y2 * y2).sum().backward();
    EXPECT_TRUE(torch::equal(x1.grad(), x2.grad()));
  }
  EXPECT_TRUE(torch::equal(ours->running_mean(), theirs->running_mean));
  EXPECT_TRUE(torch::equal(ours->running_var(), theirs->running_var));
  EXPECT_TRUE(torch::equal(ours->named_parameters()["weight"].grad(), theirs->weight.grad()));
  EXPECT_TRUE(torch::equal(ours->named_buffers()["num_batches_tracked"], theirs->num_batches_tracked));
  ours->eval(), theirs->eval();
  const auto x = torch::randn({1, 6, 3, 4, 5});
  EXPECT_TRUE(torch::equal(ours->forward(x), theirs->forward(x)));
  // The names checkpoints, torchvision's weights and the PyTorch reference use.
  std::vector<std::string> names;
  for (const auto& p : ours->named_parameters()) names.push_back(p.key());
  for (const auto& b : ours->named_buffers()) names.push_back(b.key());
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
}

TEST(BatchNorm, TwoRanksWithGlobalStatisticsComputeWhatOneProcessDoesOnTheWholeBatch) {
  torch::manual_seed(5);
  const auto whole = torch::randn({4, 5, 3, 4, 4}) * 3 - 2;
  const auto upstream = torch::randn({4, 5, 3, 4, 4});  // dL/dy, so that the loss is not symmetric
  torch::nn::BatchNorm3d reference(5);
  {
    torch::NoGradGuard no_grad;
    reference->weight.uniform_(0.5, 1.5);
    reference->bias.uniform_(-0.5, 0.5);
  }
  auto x = whole.clone().requires_grad_();
  const auto y = reference->forward(x);
  (y * upstream).sum().backward();

  TwoThreadSum sum;
  const GlobalBatchStatistics global([&](const at::Tensor& t) { sum(t); });
  BatchNorm ranks[2] = {BatchNorm(5), BatchNorm(5)};
  at::Tensor outputs[2], input_grads[2];
  const auto run_rank = [&](int r) {
    TwoThreadSum::rank = r;
    {
      torch::NoGradGuard no_grad;
      ranks[r]->named_parameters()["weight"].copy_(reference->weight);
      ranks[r]->named_parameters()["bias"].copy_(reference->bias);
    }
    auto share = whole.narrow(0, 2 * r, 2).clone().requires_grad_();
    outputs[r] = ranks[r]->forward(share);
    (outputs[r] * upstream.narrow(0, 2 * r, 2)).sum().backward();
    input_grads[r] = share.grad();
  };
  std::thread other(run_rank, 1);
  run_rank(0);
  other.join();

  EXPECT_LT(max_difference(torch::cat({outputs[0], outputs[1]}), y.detach()), kTolerance);
  EXPECT_LT(max_difference(torch::cat({input_grads[0], input_grads[1]}), x.grad()), kTolerance);
  for (int r = 0; r < 2; ++r) {
    EXPECT_LT(max_difference(ranks[r]->running_mean(), reference->running_mean), kTolerance) << r;
    EXPECT_LT(max_difference(ranks[r]->running_var(), reference->running_var), kTolerance) << r;
  }
  // Each rank's parameter gradients are its share: the gradient all-reduce adds them up.
  const auto weight_grad = ranks[0]->named_parameters()["weight"].grad() + ranks[1]->named_parameters()["weight"].grad();
  const auto bias_grad = ranks[0]->named_parameters()["bias"].grad() + ranks[1]->named_parameters()["bias"].grad();
  EXPECT_LT(max_difference(weight_grad, reference->weight.grad()), 1e-4);  // sums of 192 products of order 1
  EXPECT_LT(max_difference(bias_grad, reference->bias.grad()), 1e-4);
}

// A rank whose share of a batch is empty runs a placeholder that takes part in every sum without
// adding to it: the other rank's batch alone makes the statistics, and nothing flows back into the
// placeholder (its input's and parameters' gradients are exactly 0), even though the global
// gradient sums it receives are not.
TEST(BatchNorm, APlaceholderAddsNothingAndGetsNoGradient) {
  torch::manual_seed(11);
  const auto other = torch::randn({1, 4, 3, 4, 4}) * 2 + 1;  // the contributing rank's batch
  const auto other_dy = torch::randn({1, 4, 3, 4, 4});
  const std::vector<std::int64_t> axes{0, 2, 3, 4};
  const auto mean = other.mean(axes, true);
  const auto x_hat = (other - mean) / (other.var(axes, false, true) + 1e-5).sqrt();
  // What the other rank adds to each of the placeholder's three sums, in their order.
  const std::vector<at::Tensor> added = {torch::cat({other.sum(axes), torch::full({1}, 48.0)}), (other - mean).square().sum(axes),
                                         torch::cat({other_dy.sum(axes), (other_dy * x_hat).sum(axes)})};
  std::size_t call = 0;
  const GlobalBatchStatistics global([&](const at::Tensor& t) { t.add_(added.at(call++)); });
  BatchNorm placeholder(4);
  auto input = torch::zeros({1, 4, 3, 4, 4}).requires_grad_();
  {
    const GlobalBatchStatistics::Placeholder scope;
    const auto y = placeholder->forward(input);
    (y.sum() * 0.0).backward();
  }
  EXPECT_TRUE(GlobalBatchStatistics::contributing());
  EXPECT_EQ(call, 3u);
  EXPECT_TRUE(torch::equal(input.grad(), torch::zeros_like(input)));
  EXPECT_TRUE(torch::equal(placeholder->named_parameters()["weight"].grad(), torch::zeros({4})));
  EXPECT_TRUE(torch::equal(placeholder->named_parameters()["bias"].grad(), torch::zeros({4})));
  torch::nn::BatchNorm3d reference(4);
  reference->forward(other);
  EXPECT_LT(max_difference(placeholder->running_mean(), reference->running_mean), kTolerance);
  EXPECT_LT(max_difference(placeholder->running_var(), reference->running_var), kTolerance);
}

TEST(BatchNorm, TheLesionEvidenceCentreTakesTheGlobalBatchMean) {
  torch::manual_seed(9);
  const auto logits = torch::randn({4, 3, 2, 4, 4});
  LesionEvidence one(3, 5);
  one->forward(logits);
  const auto expected = one->named_buffers()["centre"].clone();

  TwoThreadSum sum;
  const GlobalBatchStatistics global([&](const at::Tensor& t) { sum(t); });
  LesionEvidence ranks[2] = {LesionEvidence(3, 5), LesionEvidence(3, 5)};
  const auto run_rank = [&](int r) {
    TwoThreadSum::rank = r;
    ranks[r]->forward(logits.narrow(0, 2 * r, 2));
  };
  std::thread other(run_rank, 1);
  run_rank(0);
  other.join();
  for (int r = 0; r < 2; ++r) EXPECT_LT(max_difference(ranks[r]->named_buffers()["centre"], expected), kTolerance) << r;
}

}  // namespace
}  // namespace unict::model
