// Argon2id on its own small bounded pool (issue 15, item 6): each hash takes
// 64 MiB and tens of milliseconds, so a flood of registrations or logins must
// be refused at once instead of occupying every request worker.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cabildo/core/status.h"

namespace cabildo::core {

// Thread-safe. Callers block until their job has run on one of the pool's
// threads; when `threads` jobs run and `max_queued` wait already, a new one
// is refused at once with kUnavailable (answered 503 + Retry-After).
class PasswordHasher {
 public:
  // threads <= 0: one per core.
  PasswordHasher(int threads, int max_queued);
  ~PasswordHasher();
  PasswordHasher(const PasswordHasher&) = delete;
  PasswordHasher& operator=(const PasswordHasher&) = delete;

  StatusOr<std::string> Hash(const std::string& password);
  // kUnavailable when refused; otherwise whether the password matches.
  StatusOr<bool> Verify(const std::string& hash, const std::string& password);

  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  Status Run(const std::function<void()>& job);
  void Loop();

  const size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mutex_)
  bool stopping_ = false;                    // GUARDED_BY(mutex_)
  size_t busy_ = 0;                          // GUARDED_BY(mutex_): threads running a job
  std::vector<std::thread> threads_;
};

// Refused because the pool is full: the Spanish message of that status.
Status HashingBusy();

}  // namespace cabildo::core
