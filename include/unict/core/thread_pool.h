// A fixed pool of worker threads. Tasks run in submission order (FIFO); exceptions travel back
// through the returned futures, or out of parallel_for. The destructor finishes queued tasks.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace unict::core {

class ThreadPool {
 public:
  // threads == 0: one per hardware thread.
  explicit ThreadPool(std::size_t threads = 0);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  std::size_t size() const { return workers_.size(); }

  template <class F>
  auto submit(F&& task) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
    using Result = std::invoke_result_t<std::decay_t<F>>;
    auto packaged = std::make_shared<std::packaged_task<Result()>>(std::forward<F>(task));
    auto future = packaged->get_future();
    enqueue([packaged] { (*packaged)(); });
    return future;
  }

  // Calls body(i) for every i in [0, count) on size() threads at most (the calling thread and
  // size() - 1 workers), and returns when all calls have ended. The first exception thrown is rethrown here (indices not
  // yet started are then skipped). Do not call from inside a task of the same pool.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& body);

 private:
  void enqueue(std::function<void()> task);
  void work();

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// The number of threads to use for `requested` (0 = every hardware thread, at least 1).
std::size_t resolve_thread_count(std::size_t requested);

}  // namespace unict::core
