#include "unict/core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <numeric>

#include <gtest/gtest.h>

namespace unict::core {
namespace {

TEST(ThreadPool, SubmitReturnsResultsThroughFutures) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.size(), 3u);
  std::vector<std::future<int>> results;
  for (int i = 0; i < 100; ++i) results.push_back(pool.submit([i] { return i * i; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(results[i].get(), i * i);
}

TEST(ThreadPool, ExceptionsTravelThroughTheFuture) {
  ThreadPool pool(2);
  auto failing = pool.submit([]() -> int { throw std::runtime_error("task failed"); });
  EXPECT_THROW(failing.get(), std::runtime_error);
  EXPECT_EQ(pool.submit([] { return 5; }).get(), 5);  // the pool survives
}

TEST(ThreadPool, RunsTasksConcurrently) {
  // Two tasks that each wait for the other can only both finish if they run at the same time.
  ThreadPool pool(2);
  std::atomic<int> arrived{0};
  auto rendezvous = [&] {
    arrived.fetch_add(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    return arrived.load() >= 2;
  };
  auto a = pool.submit(rendezvous);
  auto b = pool.submit(rendezvous);
  EXPECT_TRUE(a.get());
  EXPECT_TRUE(b.get());
}

TEST(ThreadPool, DestructorFinishesQueuedTasks) {
  std::atomic<int> done{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 50; ++i) pool.submit([&] { done.fetch_add(1); });
  }
  EXPECT_EQ(done.load(), 50);
}

TEST(ThreadPool, ParallelForVisitsEveryIndexExactlyOnce) {
  ThreadPool pool(4);
  for (std::size_t count : {0u, 1u, 3u, 1000u}) {
    std::vector<std::atomic<int>> visits(count);
    pool.parallel_for(count, [&](std::size_t i) { visits[i].fetch_add(1); });
    for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(visits[i].load(), 1) << "index " << i << " of " << count;
  }
}

TEST(ThreadPool, ParallelForRethrowsTheFirstErrorAfterAllCallsEnd) {
  ThreadPool pool(3);
  std::atomic<int> running{0};
  EXPECT_THROW(pool.parallel_for(200,
                                 [&](std::size_t i) {
                                   running.fetch_add(1);
                                   if (i == 17) {
                                     running.fetch_sub(1);
                                     throw std::invalid_argument("bad item 17");
                                   }
                                   running.fetch_sub(1);
                                 }),
               std::invalid_argument);
  EXPECT_EQ(running.load(), 0);  // nothing still in flight when the error surfaced
  EXPECT_EQ(pool.submit([] { return 1; }).get(), 1);
}

TEST(ThreadPool, ZeroThreadsMeansOnePerHardwareThread) {
  ThreadPool pool(0);
  const unsigned hardware = std::thread::hardware_concurrency();
  EXPECT_EQ(pool.size(), hardware > 0 ? hardware : 1u);
  EXPECT_EQ(resolve_thread_count(5), 5u);
}

}  // namespace
}  // namespace unict::core
