#include <charconv>
#include <optional>
#include <string_view>

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

Status BadRedisUrl(const std::string& why) {
  // Never the URL itself: it may hold a password.
  return InvalidArgumentError("CABILDO_REDIS_URL no es válido: " + why);
}

// %XX decoding of a URL's user, password or query value; nullopt when malformed.
std::optional<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

StatusOr<int> ParsedNumber(std::string_view text, int min, int max, const char* what) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return BadRedisUrl(std::string(what) + " debe ser un entero entre " + std::to_string(min) +
                       " y " + std::to_string(max));
  }
  return value;
}

constexpr int kMaxDb = 9999;

}  // namespace

StatusOr<RedisEndpoint> ParseRedisUrl(const std::string& url) {
  RedisEndpoint endpoint;
  if (url.rfind("unix://", 0) == 0) {
    std::string_view rest = std::string_view(url).substr(7);
    std::string_view query;
    if (auto mark = rest.find('?'); mark != std::string_view::npos) {
      query = rest.substr(mark + 1);
      rest = rest.substr(0, mark);
    }
    if (rest.empty() || rest[0] != '/') {
      return BadRedisUrl("unix:// necesita una ruta absoluta, p. ej. unix:///run/redis.sock");
    }
    endpoint.socket_path = std::string(rest);
    while (!query.empty()) {
      const auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) return BadRedisUrl("cada parámetro va como nombre=valor");
      const std::string_view name = pair.substr(0, eq);
      auto value = PercentDecoded(pair.substr(eq + 1));
      if (!value) return BadRedisUrl("codificación % inválida en el parámetro");
      if (name == "db") {
        CABILDO_ASSIGN_OR_RETURN(endpoint.db, ParsedNumber(*value, 0, kMaxDb, "db"));
      } else if (name == "password") {
        endpoint.password = *value;
      } else if (name == "user") {
        endpoint.user = *value;
      } else {
        return BadRedisUrl("parámetro desconocido '" + std::string(name) +
                           "' (se admiten db, password y user)");
      }
    }
    if (!endpoint.user.empty() && endpoint.password.empty()) {
      return BadRedisUrl("user necesita password");
    }
    return endpoint;
  }
  if (url.rfind("redis://", 0) != 0) return BadRedisUrl("debe empezar con redis:// o unix://");
  std::string_view authority = std::string_view(url).substr(8);
  std::string_view path;
  if (auto slash = authority.find('/'); slash != std::string_view::npos) {
    path = authority.substr(slash + 1);
    authority = authority.substr(0, slash);
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return BadRedisUrl("las credenciales van como :contraseña@ o usuario:contraseña@");
    }
    auto user = PercentDecoded(userinfo.substr(0, colon));
    auto password = PercentDecoded(userinfo.substr(colon + 1));
    if (!user || !password) return BadRedisUrl("codificación % inválida en las credenciales");
    if (password->empty()) return BadRedisUrl("la contraseña está vacía");
    endpoint.user = *user;
    endpoint.password = *password;
  }
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    CABILDO_ASSIGN_OR_RETURN(endpoint.port,
                             ParsedNumber(authority.substr(colon + 1), 1, 65535, "el puerto"));
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return BadRedisUrl("falta el host");
  endpoint.host = std::string(authority);
  if (!path.empty()) {
    CABILDO_ASSIGN_OR_RETURN(endpoint.db, ParsedNumber(path, 0, kMaxDb, "la base (/db)"));
  }
  return endpoint;
}

void RedisClient::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)), endpoint_(ParseRedisUrl(options_.url)) {}

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
  CABILDO_RETURN_IF_ERROR(endpoint_.status());  // config checks the URL first
  const timeval connect_timeout = ToTimeval(options_.connect_timeout);
  redisContext* raw = nullptr;
  if (!endpoint_->socket_path.empty()) {
    raw = redisConnectUnixWithTimeout(endpoint_->socket_path.c_str(), connect_timeout);
  } else {
    raw = redisConnectWithTimeout(endpoint_->host.c_str(), endpoint_->port, connect_timeout);
  }
  Context context(raw);
  if (!context || context->err != 0) {
    Trip(context.get());
    return UnavailableError("Redis no disponible.");
  }
  redisSetTimeout(context.get(), ToTimeval(options_.command_timeout));
  if (Status handshake = Handshake(context.get()); !handshake.ok()) {
    Trip(context.get());
    return handshake;
  }
  return context;
}

Status RedisClient::Handshake(redisContext* context) {
  auto run = [&](const std::vector<std::string>& args, const char* what) -> Status {
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      argvlen.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), argvlen.data()));
    if (reply == nullptr) return UnavailableError("Redis no disponible.");
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(reply, freeReplyObject);
    if (reply->type != REDIS_REPLY_ERROR) return OkStatus();
    // Redis's reply (WRONGPASS, NOAUTH, DB index out of range) never quotes
    // the password; the command's arguments are never logged.
    const std::string message =
        std::string("Redis rechazó ") + what +
        " (revise CABILDO_REDIS_URL): " + std::string(reply->str, reply->len);
    if (!rejected_.exchange(true)) LogError(message);  // once, not per request
    return UnprocessableError(message);
  };
  if (!endpoint_->password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint_->user.empty()) auth.push_back(endpoint_->user);
    auth.push_back(endpoint_->password);
    CABILDO_RETURN_IF_ERROR(run(auth, "la autenticación (AUTH)"));
  }
  if (endpoint_->db != 0) {
    CABILDO_RETURN_IF_ERROR(run({"SELECT", std::to_string(endpoint_->db)}, "la base (SELECT)"));
  }
  rejected_ = false;
  return OkStatus();
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
  if (!reply.ok()) {
    // While the circuit is open after a refused AUTH/SELECT, still say why.
    if (rejected_)
      return UnprocessableError("Redis rechazó las credenciales o la base de CABILDO_REDIS_URL.");
    return reply.status();
  }
  return OkStatus();
}

}  // namespace cabildo::core
