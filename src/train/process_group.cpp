#include "unict/train/process_group.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(UNICT_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "unict/core/compat.h"
#include "unict/core/error.h"
#include "unict/core/join.h"

namespace unict::train {
namespace {

using std::chrono::milliseconds;

// How often a rank beats, and how long a silent rank is watched before it counts as lost. A
// beat is one small store write from its own thread; a rank busy computing still beats.
constexpr milliseconds kBeatInterval{250};
constexpr milliseconds kSilence{1500};

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& rendezvous_address) {
  // A group that meets on loopback stays there (tests listen on 127.0.0.1 only). Across nodes,
  // GLOO_SOCKET_IFNAME names the interface, as for PyTorch; else the address this host's name
  // resolves to.
  if (is_loopback(rendezvous_address)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

c10::intrusive_ptr<c10d::TCPStore> connect_store(const core::LaunchEnvironment& launch, bool host, milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(launch.master_port);
  options.isServer = host;
  options.numWorkers = host ? c10::optional<std::size_t>(static_cast<std::size_t>(launch.world_size)) : c10::nullopt;
  options.waitWorkers = false;  // the first collective waits for everyone, under the same timeout
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
}

}  // namespace

struct ProcessGroup::Impl {
  std::string address;  // host:port of the store
  milliseconds timeout{};
  c10::intrusive_ptr<c10d::Store> store;  // under the launch's prefix
  c10::intrusive_ptr<compat::CollectiveBackend> backend;

  // The heartbeat: its own store connection, so that a long wait on `store` does not hold it.
  c10::intrusive_ptr<c10d::Store> beat_store;
  std::mutex beat_mutex;  // beat_store is shared with the diagnosis in fail()
  std::condition_variable beat_wake;
  bool beat_stop = false;
  std::thread beat_thread;
  std::atomic<bool> failed{false};

  void beat(int rank) {
    const std::string key = "alive/" + std::to_string(rank);
    std::unique_lock<std::mutex> lock(beat_mutex);
    while (!beat_stop) {
      try {
        beat_store->add(key, 1);
      } catch (const std::exception&) {
        return;  // the store is gone: fail() says so when a collective notices
      }
      beat_wake.wait_for(lock, kBeatInterval, [&] { return beat_stop; });
    }
  }

  void stop_beating() {
    {
      std::lock_guard<std::mutex> lock(beat_mutex);
      beat_stop = true;
    }
    beat_wake.notify_all();
    if (beat_thread.joinable()) beat_thread.join();
  }
};

struct ProcessGroup::Pending::Work {
  c10::intrusive_ptr<c10d::Work> work;
  const ProcessGroup* group = nullptr;
};

ProcessGroup::Pending::Pending() = default;
ProcessGroup::Pending::~Pending() = default;
ProcessGroup::Pending::Pending(Pending&&) noexcept = default;
ProcessGroup::Pending& ProcessGroup::Pending::operator=(Pending&&) noexcept = default;

void ProcessGroup::Pending::wait() {
  if (!work_) return;
  const auto work = std::move(work_);
  try {
    work->work->wait();
  } catch (const std::exception& e) {
    work->group->fail(e.what());
  }
}

ProcessGroup::ProcessGroup(int rank, int world_size, int local_rank)
    : impl_(std::make_unique<Impl>()), rank_(rank), world_size_(world_size), local_rank_(local_rank) {}

ProcessGroup::~ProcessGroup() {
  impl_->stop_beating();
  if (!distributed() || impl_->failed) return;
  // The store lives in rank 0 (unless the launcher hosts it): rank 0 leaves last, so that no
  // rank's last store read finds it gone.
  try {
    impl_->store->add("left", 1);
    if (is_root()) {
      const auto deadline = std::chrono::steady_clock::now() + impl_->timeout;
      while (impl_->store->add("left", 0) < world_size_ && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds(20));
    }
  } catch (const std::exception&) {
  }
}

std::shared_ptr<ProcessGroup> ProcessGroup::single() { return std::shared_ptr<ProcessGroup>(new ProcessGroup(0, 1, 0)); }

std::shared_ptr<ProcessGroup> ProcessGroup::join(const core::LaunchEnvironment& launch, const Options& options) {
  if (!launch.distributed()) return single();
  std::shared_ptr<ProcessGroup> group(new ProcessGroup(launch.rank, launch.world_size, launch.local_rank));
  Impl& impl = *group->impl_;
  impl.address = launch.master_addr + ":" + std::to_string(launch.master_port);
  impl.timeout = options.timeout;
  const bool host = launch.rank == 0 && !launch.launcher_hosts_store;
  try {
    const auto tcp = connect_store(launch, host, options.timeout);
    impl.store = c10::make_intrusive<c10d::PrefixStore>(launch.store_prefix, tcp);
    impl.beat_store = c10::make_intrusive<c10d::PrefixStore>(launch.store_prefix, connect_store(launch, false, options.timeout));
  } catch (const std::exception& e) {
    throw Error(std::string("cannot reach the rendezvous store: ") + e.what())
        .value(impl.address)
        .hint(host ? "rank 0 hosts it: is the port free?" : "rank 0 hosts it: is rank 0 running, and MASTER_ADDR / MASTER_PORT right?");
  }
  try {
    if (options.device.rfind("cuda", 0) == 0) {
#if defined(UNICT_WITH_NCCL)
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = options.timeout;
      impl.backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(impl.store, launch.rank, launch.world_size, nccl);
#else
      throw Error("this LibTorch has no NCCL; distributed training on CUDA needs it").value(options.device);
#endif
    } else {
      auto gloo = c10d::ProcessGroupGloo::Options::create(options.timeout);
      gloo->devices.push_back(gloo_device(launch.master_addr));
      gloo->threads = 2;
      impl.backend = c10::make_intrusive<c10d::ProcessGroupGloo>(impl.store, launch.rank, launch.world_size, gloo);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("cannot form the process group: ") + e.what())
        .value(impl.address)
        .expected(std::to_string(launch.world_size) + " ranks within " + std::to_string(options.timeout.count() / 1000) + " s");
  }
  impl.beat_thread = std::thread([&impl, rank = launch.rank] { impl.beat(rank); });
  spdlog::debug("rank {} of {} joined the process group at {}", launch.rank, launch.world_size, impl.address);
  return group;
}

std::string ProcessGroup::next_key(const std::string& what) { return "call" + std::to_string(++calls_) + "/" + what; }

void ProcessGroup::wait_for_keys(const std::vector<std::string>& keys, milliseconds limit, const std::string& what) const {
  // Polls with check() rather than blocking in the store's wait(): a rank that died never sets its
  // key, and only its heartbeat tells that before the limit.
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::int64_t> beats(static_cast<std::size_t>(world_size_), -1);
  auto beats_changed = start;
  auto next_beat_check = start;
  for (;;) {
    bool ready = false;
    try {
      ready = impl_->store->check(keys);
    } catch (const std::exception& e) {
      fail("while waiting for " + what + ": " + e.what());
    }
    if (ready) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start > limit) fail("waited " + std::to_string(limit.count() / 1000) + " s for " + what);
    if (now >= next_beat_check) {
      next_beat_check = now + kBeatInterval * 2;
      std::vector<std::int64_t> current(beats.size());
      try {
        std::lock_guard<std::mutex> lock(impl_->beat_mutex);
        for (int r = 0; r < world_size_; ++r) current[static_cast<std::size_t>(r)] = impl_->beat_store->add("alive/" + std::to_string(r), 0);
      } catch (const std::exception& e) {
        fail("while waiting for " + what + ": " + e.what());
      }
      // Every other rank must have beaten since the last change; one silent for kSilence is lost.
      bool all_moved = true;
      for (int r = 0; r < world_size_; ++r)
        if (r != rank_ && current[static_cast<std::size_t>(r)] == beats[static_cast<std::size_t>(r)]) all_moved = false;
      if (all_moved) beats_changed = now;
      beats = current;
      if (now - beats_changed > kSilence) fail("while waiting for " + what);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

ProcessGroup::Pending ProcessGroup::all_reduce_sum_async(const at::Tensor& tensor) {
  Pending pending;
  if (!distributed()) return pending;
  std::vector<at::Tensor> tensors{tensor};
  try {
    pending.work_ = std::make_unique<Pending::Work>(Pending::Work{impl_->backend->allreduce(tensors), this});
  } catch (const std::exception& e) {
    fail(e.what());
  }
  return pending;
}

void ProcessGroup::all_reduce_sum(const at::Tensor& tensor) { all_reduce_sum_async(tensor).wait(); }

std::string ProcessGroup::share_from_root(const std::string& what, const std::string& value, milliseconds wait) {
  if (!distributed()) return value;
  const std::string key = next_key(what);
  try {
    if (is_root()) {
      impl_->store->set(key, std::vector<std::uint8_t>(value.begin(), value.end()));
      return value;
    }
    wait_for_keys({key}, wait, "rank 0's " + what);
    const auto bytes = impl_->store->get(key);
    return std::string(bytes.begin(), bytes.end());
  } catch (const Error&) {
    throw;  // fail() has spoken
  } catch (const std::exception& e) {
    fail(std::string("while waiting for rank 0's ") + what + ": " + e.what());
  }
}

std::string ProcessGroup::share_from_root(const std::string& what, const std::string& value) {
  return share_from_root(what, value, impl_ ? impl_->timeout : milliseconds(0));
}

std::vector<std::string> ProcessGroup::gather(const std::string& what, const std::string& value) {
  if (!distributed()) return {value};
  const std::string key = next_key(what);
  std::vector<std::string> values;
  try {
    impl_->store->set(key + "/" + std::to_string(rank_), std::vector<std::uint8_t>(value.begin(), value.end()));
    std::vector<std::string> keys;
    for (int r = 0; r < world_size_; ++r) keys.push_back(key + "/" + std::to_string(r));
    wait_for_keys(keys, impl_->timeout, "every rank's " + what);
    for (const auto& k : keys) {
      const auto bytes = impl_->store->get(k);
      values.emplace_back(bytes.begin(), bytes.end());
    }
  } catch (const Error&) {
    throw;  // fail() has spoken
  } catch (const std::exception& e) {
    fail(std::string("while gathering every rank's ") + what + ": " + e.what());
  }
  return values;
}

void ProcessGroup::fail(const std::string& cause) const {
  impl_->failed = true;
  // Which ranks stopped beating: read every counter twice, kSilence apart.
  std::vector<int> lost;
  bool store_lost = false;
  try {
    std::unique_lock<std::mutex> lock(impl_->beat_mutex, std::defer_lock);
    auto counters = [&] {
      std::vector<std::int64_t> c(static_cast<std::size_t>(world_size_));
      lock.lock();
      for (int r = 0; r < world_size_; ++r) c[static_cast<std::size_t>(r)] = impl_->beat_store->add("alive/" + std::to_string(r), 0);
      lock.unlock();
      return c;
    };
    const auto before = counters();
    std::this_thread::sleep_for(kSilence);
    const auto after = counters();
    for (int r = 0; r < world_size_; ++r)
      if (r != rank_ && before[static_cast<std::size_t>(r)] == after[static_cast<std::size_t>(r)]) lost.push_back(r);
  } catch (const std::exception&) {
    store_lost = true;
  }
  std::string what;
  if (store_lost) {
    what = "lost contact with the rendezvous store at " + impl_->address + " (rank 0, or the launcher that hosts it, is gone)";
  } else if (!lost.empty()) {
    std::vector<std::string> names;
    for (int r : lost) names.push_back(std::to_string(r));
    what = std::string(lost.size() == 1 ? "rank " : "ranks ") + core::join(names, ", ") + (lost.size() == 1 ? " was" : " were") +
           " lost (no heartbeat for " + std::to_string(kSilence.count()) + " ms)";
  } else {
    what = "a collective failed while every rank still beats";
  }
  spdlog::error("rank {}: {}: {}", rank_, what, cause);
  throw Error(what + "; rank " + std::to_string(rank_) + " stops: " + cause)
      .hint("the last checkpoint is intact; resume with --resume and the same number of ranks");
}

}  // namespace unict::train
