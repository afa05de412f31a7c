#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>

namespace cabildo::core {

// A lock taken in arrival order, with a bounded wait. std::timed_mutex is not
// fair: under steady contention one thread can lose the race for longer than
// its timeout while others take the lock many times over. Where the holders
// queue on something else in the same order (the audit chain's row lock), a
// waiter that gives up is expensive, so this one serves tickets first come,
// first served. A waiter that times out leaves its ticket behind; the holder
// that releases past it skips it. Each waiter sleeps on its own condition
// variable and Unlock wakes only the next one: on a busy machine a wake-up
// of every waiter per hand-off is a burst of context switches that each
// hand-off would wait behind.
class TicketLock {
 public:
  // True when the lock is held; false after `timeout` without it.
  bool TryLockFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const uint64_t ticket = next_ticket_++;
    if (serving_ == ticket) return true;
    std::condition_variable turn;
    waiting_.emplace(ticket, &turn);
    const bool taken = turn.wait_for(lock, timeout, [&] { return serving_ == ticket; });
    waiting_.erase(ticket);
    if (!taken) abandoned_.insert(ticket);
    return taken;
  }

  // Tickets handed out so far, taken or not (tests wait on it to order waiters).
  uint64_t TicketsIssued() {
    std::lock_guard lock(mutex_);
    return next_ticket_;
  }

  void Unlock() {
    std::lock_guard lock(mutex_);
    ++serving_;
    while (abandoned_.erase(serving_) == 1) ++serving_;
    if (auto next = waiting_.find(serving_); next != waiting_.end()) next->second->notify_one();
  }

 private:
  std::mutex mutex_;
  uint64_t next_ticket_ = 0;                              // GUARDED_BY(mutex_)
  uint64_t serving_ = 0;                                  // GUARDED_BY(mutex_)
  std::map<uint64_t, std::condition_variable*> waiting_;  // GUARDED_BY(mutex_)
  std::set<uint64_t> abandoned_;  // GUARDED_BY(mutex_): tickets whose waiter gave up
};

}  // namespace cabildo::core
