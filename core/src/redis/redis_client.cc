#include <hiredis/hiredis.h>
#include <nlohmann/json.hpp>

#include "cabildo/core/log.h"
#include "cabildo/core/redis.h"

namespace cabildo::core {
namespace {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < reply->elements; ++i)
        out.elements.push_back(Convert(reply->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

void RedisClient::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

void RedisClient::Trip(const redisContext* failed) {
  const auto until = SteadyNowNs() + std::chrono::nanoseconds(options_.cool_down).count();
  if (open_after_ns_.exchange(until) < SteadyNowNs()) {
    // hiredis's own words say whether it was a timeout, a refused connection, ...
    LogWarn("Redis no responde; se omite durante el enfriamiento",
            {{"cool_down_ms", options_.cool_down.count()},
             {"error", failed != nullptr && failed->err != 0 ? failed->errstr : "sin contexto"}});
  }
}

void RedisClient::Close() {
  // Load first: the hot path must not write a shared cache line on every call.
  if (open_after_ns_.load(std::memory_order_relaxed) != 0) open_after_ns_.store(0);
}

StatusOr<RedisClient::Context> RedisClient::Checkout(Caller caller) {
  if (caller == Caller::kRequest && SteadyNowNs() < open_after_ns_.load()) {
    return UnavailableError("Redis no disponible.");
  }
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Context context = std::move(idle_.back());
      idle_.pop_back();
      return context;
    }
  }
  const timeval connect_timeout = ToTimeval(options_.connect_timeout);
  redisContext* raw = nullptr;
  if (options_.url.rfind("unix://", 0) == 0) {
    raw = redisConnectUnixWithTimeout(options_.url.substr(7).c_str(), connect_timeout);
  } else {
    std::string rest = options_.url.substr(8);  // after redis://
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
    int port = 6379;
    if (auto colon = rest.rfind(':'); colon != std::string::npos) {
      port = std::atoi(rest.substr(colon + 1).c_str());
      rest.resize(colon);
    }
    raw = redisConnectWithTimeout(rest.c_str(), port, connect_timeout);
  }
  Context context(raw);
  if (!context || context->err != 0) {
    Trip(context.get());
    return UnavailableError("Redis no disponible.");
  }
  redisSetTimeout(context.get(), ToTimeval(options_.command_timeout));
  return context;
}

void RedisClient::Return(Context context) {
  std::lock_guard lock(mutex_);
  if (static_cast<int>(idle_.size()) < options_.max_idle) idle_.push_back(std::move(context));
}

StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& args, Caller caller) {
  CABILDO_ASSIGN_OR_RETURN(Context context, Checkout(caller));
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    argvlen.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context.get(), static_cast<int>(argv.size()), argv.data(), argvlen.data()));
  if (reply == nullptr) {
    // After any I/O error a hiredis context is dead: drop it (see stack-notes.md).
    Trip(context.get());
    return UnavailableError("Redis no disponible.");
  }
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(reply, freeReplyObject);
  Close();  // Redis answered: whatever tripped the circuit is over
  if (reply->type == REDIS_REPLY_ERROR) {
    std::string message(reply->str, reply->len);
    Return(std::move(context));
    LogWarn("Redis respondió con error", {{"error", message}});
    return InternalError("Error de Redis.");
  }
  RedisReply converted = Convert(reply);
  Return(std::move(context));
  return converted;
}

Status RedisClient::Ping() {
  auto reply = Command({"PING"});
  if (!reply.ok()) return reply.status();
  return OkStatus();
}

}  // namespace cabildo::core
