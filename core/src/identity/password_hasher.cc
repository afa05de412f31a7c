#include "cabildo/core/password_hasher.h"

#include <algorithm>
#include <future>

#include "cabildo/core/identity.h"

namespace cabildo::core {

Status HashingBusy() {
  return UnavailableError(
      "Hay demasiadas contraseñas en verificación; intente de nuevo en unos segundos.");
}

PasswordHasher::PasswordHasher(int threads, int max_queued)
    : max_queued_(static_cast<size_t>(std::max(0, max_queued))) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

PasswordHasher::~PasswordHasher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void PasswordHasher::Loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left to run
    auto job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    job();
    lock.lock();
    --busy_;
  }
}

Status PasswordHasher::Run(const std::function<void()>& job) {
  std::promise<void> done;
  auto finished = done.get_future();
  {
    std::lock_guard lock(mutex_);
    // Queued jobs beyond the running ones: threads busy + max_queued waiting.
    if (stopping_ || queue_.size() >= max_queued_ + (threads_.size() - busy_)) return HashingBusy();
    queue_.push_back([&job, &done] {
      job();
      done.set_value();
    });
  }
  ready_.notify_one();
  finished.wait();
  return OkStatus();
}

StatusOr<std::string> PasswordHasher::Hash(const std::string& password) {
  StatusOr<std::string> hash = InternalError("sin calcular");
  CABILDO_RETURN_IF_ERROR(Run([&] { hash = HashPassword(password); }));
  return hash;
}

StatusOr<bool> PasswordHasher::Verify(const std::string& hash, const std::string& password) {
  bool valid = false;
  CABILDO_RETURN_IF_ERROR(Run([&] { valid = VerifyPassword(hash, password); }));
  return valid;
}

}  // namespace cabildo::core
