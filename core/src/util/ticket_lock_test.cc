#include "cabildo/core/ticket_lock.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace cabildo::core {
namespace {

using std::chrono::milliseconds;

// Starts a thread that waits for the lock and records its turn, and returns
// once that thread holds a ticket, so threads queue in the order started.
std::thread QueueWaiter(TicketLock& lock, std::mutex& order_mutex, std::vector<int>& order,
                        int id) {
  const uint64_t before = lock.TicketsIssued();
  std::thread waiter([&lock, &order_mutex, &order, id] {
    ASSERT_TRUE(lock.TryLockFor(milliseconds(10000)));
    {
      std::lock_guard guard(order_mutex);
      order.push_back(id);
    }
    lock.Unlock();
  });
  while (lock.TicketsIssued() == before) std::this_thread::yield();
  return waiter;
}

TEST(TicketLockTest, WaitersTakeTheLockInArrivalOrder) {
  TicketLock lock;
  ASSERT_TRUE(lock.TryLockFor(milliseconds(0)));
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int id = 0; id < 6; ++id) waiters.push_back(QueueWaiter(lock, order_mutex, order, id));
  lock.Unlock();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(TicketLockTest, AWaitGivesUpAfterItsBoundWhileTheLockIsHeld) {
  TicketLock lock;
  ASSERT_TRUE(lock.TryLockFor(milliseconds(0)));
  const auto started = std::chrono::steady_clock::now();
  bool taken = true;
  std::thread([&] { taken = lock.TryLockFor(milliseconds(50)); }).join();
  EXPECT_FALSE(taken);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(50));
  lock.Unlock();
  // The abandoned ticket is skipped: the lock is free again at once.
  EXPECT_TRUE(lock.TryLockFor(milliseconds(0)));
  lock.Unlock();
}

TEST(TicketLockTest, AWaiterWhoGaveUpDoesNotHoldUpTheOnesBehindIt) {
  TicketLock lock;
  ASSERT_TRUE(lock.TryLockFor(milliseconds(0)));
  std::atomic<bool> impatient_taken{true};
  const uint64_t before = lock.TicketsIssued();
  std::thread impatient([&] { impatient_taken = lock.TryLockFor(milliseconds(20)); });
  while (lock.TicketsIssued() == before) std::this_thread::yield();
  std::mutex order_mutex;
  std::vector<int> order;
  std::thread patient = QueueWaiter(lock, order_mutex, order, 7);
  impatient.join();  // gave up while the lock was still held
  EXPECT_FALSE(impatient_taken);
  lock.Unlock();
  patient.join();
  EXPECT_EQ(order, std::vector<int>{7});
  EXPECT_TRUE(lock.TryLockFor(milliseconds(0)));
  lock.Unlock();
}

}  // namespace
}  // namespace cabildo::core
