#include "chunked_body.h"

#include <cstdio>
#include <exception>
#include <utility>

#include <pistache/peer.h>

#include <poll.h>
#include <sys/socket.h>

namespace cabildo::api {

using namespace Pistache;  // NOLINT(google-build-using-namespace): Pistache's names are long

std::string RemoteOf(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return "";
  return std::string(reinterpret_cast<const char*>(&address), size);
}

// One write handed to Pistache, settled by its promise.
struct PistacheChunkedBody::Pending {
  enum class State { kWaiting, kWritten, kFailed };
  std::mutex mutex;
  std::condition_variable done;
  State state = State::kWaiting;  // GUARDED_BY(mutex)
  void Set(State to) {
    {
      std::lock_guard lock(mutex);
      state = to;
    }
    done.notify_all();
  }
};

PistacheChunkedBody::PistacheChunkedBody(std::shared_ptr<Http::ResponseWriter> writer,
                                         bool keep_alive, bool chunked,
                                         std::function<void()> on_end)
    : writer_(std::move(writer)),
      keep_alive_(keep_alive && chunked),
      chunked_(chunked),
      on_end_(std::move(on_end)) {}

PistacheChunkedBody::~PistacheChunkedBody() {
  if (!ended_) Abort();  // a producer that never said it finished did not
  EndOnce();
}

void PistacheChunkedBody::EndOnce() {
  if (on_end_) std::exchange(on_end_, nullptr)();
}

bool PistacheChunkedBody::SendHead(std::string head) {
  if (auto peer = writer_->getPeer()) remote_ = RemoteOf(peer->fd());
  return Send(std::move(head));
}

bool PistacheChunkedBody::Write(std::string_view bytes) {
  if (failed_ || ended_) return false;
  if (bytes.empty()) return true;  // an empty chunk would end the body
  if (!chunked_) return Send(std::string(bytes));
  char size_line[24];
  const int length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", bytes.size());
  std::string frame;
  frame.reserve(static_cast<size_t>(length) + bytes.size() + 2);
  frame.append(size_line, static_cast<size_t>(length)).append(bytes).append("\r\n");
  return Send(std::move(frame));
}

void PistacheChunkedBody::Finish() {
  if (ended_) return;
  ended_ = true;
  // The stream's work is done: give its slot back before the last bytes go
  // out, or a client that sends its next request as soon as it has them
  // could find the slot still taken (503).
  EndOnce();
  if (failed_ || (chunked_ && !Send("0\r\n\r\n")) || !Drain()) return Close();
  if (!keep_alive_) Close();  // written: now the announced close
}

void PistacheChunkedBody::Abort() {
  ended_ = true;
  Close();
}

bool PistacheChunkedBody::Send(std::string frame) {
  if (remote_.empty() || PeerGone()) return failed_ = true, false;
  auto peer = writer_->getPeer();
  if (!peer) return failed_ = true, false;
  auto pending = std::make_shared<Pending>();
  try {
    const size_t size = frame.size();
    peer->send(RawBuffer(std::move(frame), size))
        .then([pending](ssize_t) { pending->Set(Pending::State::kWritten); },
              [pending](std::exception_ptr&) { pending->Set(Pending::State::kFailed); });
  } catch (const std::exception&) {
    return failed_ = true, false;
  }
  in_flight_.push_back(std::move(pending));
  while (in_flight_.size() > kMaxInFlight) {
    if (!WaitOldest()) return failed_ = true, false;
  }
  return true;
}

bool PistacheChunkedBody::Drain() {
  while (!in_flight_.empty()) {
    if (!WaitOldest()) return failed_ = true, false;
  }
  return true;
}

// Waits for the oldest chunk to reach the kernel. Gives up when the client
// disconnected (Pistache then drops queued writes without settling their
// promises) or has read nothing for kStallLimit.
bool PistacheChunkedBody::WaitOldest() {
  std::shared_ptr<Pending> pending = std::move(in_flight_.front());
  in_flight_.pop_front();
  const auto give_up = std::chrono::steady_clock::now() + kStallLimit;
  std::unique_lock lock(pending->mutex);
  while (pending->state == Pending::State::kWaiting) {
    pending->done.wait_for(lock, std::chrono::milliseconds(200));
    if (pending->state != Pending::State::kWaiting) break;
    if (PeerGone() || std::chrono::steady_clock::now() > give_up) return false;
  }
  return pending->state == Pending::State::kWritten;
}

// Whether the client is gone. Pistache does not always say so: it may
// drop a failed write without settling its promise, and it closes the fd
// on disconnection while something else still holds the Peer (so its fd()
// can name a closed descriptor, or a new connection that reused the number).
// The socket is asked directly, and must still be connected to the same
// client address and port as when the stream began.
bool PistacheChunkedBody::PeerGone() const {
  auto peer = writer_->getPeer();
  if (!peer) return true;
  pollfd state{peer->fd(), 0, 0};
  if (::poll(&state, 1, 0) > 0 && (state.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    return true;
  }
  return RemoteOf(peer->fd()) != remote_;
}

// shutdown, not close: the fd stays Pistache's until it sees the hang-up.
void PistacheChunkedBody::Close() {
  if (PeerGone()) return;  // never shut down a connection that reused the fd
  if (auto peer = writer_->getPeer()) ::shutdown(peer->fd(), SHUT_RDWR);
}

}  // namespace cabildo::api
