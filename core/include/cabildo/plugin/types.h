// The plugin SDK's own vocabulary: Status and StatusOr (how core and module
// code report failures without throwing, style.md rule 6), the status macros,
// FieldError, Principal and Access. The SDK headers include nothing from
// cabildo/core/; the core uses these same types (cabildo/core/status.h
// includes this file), so there is one of each.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace cabildo {

// A subset of Abseil's canonical codes; api/src/problem.cc maps each one to an
// HTTP status.
enum class StatusCode {
  kOk,
  kInvalidArgument,    // 400: the request itself is malformed
  kUnauthenticated,    // 401
  kPermissionDenied,   // 403
  kNotFound,           // 404
  kAlreadyExists,      // 409
  kAborted,            // 409: concurrent change, retry
  kUnprocessable,      // 422: well-formed but not acceptable
  kResourceExhausted,  // 429
  kUnavailable,        // 503: a dependency is down; retry later
  kInternal,           // 500: a bug
  kIfMatchFailed,      // 412: If-Match no longer matches (someone else changed it)
};

// The Spanish, human name of a code (used in logs and CLI messages).
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // Safe to show to the caller: never SQL, secrets or exception text.
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return {}; }
inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status UnprocessableError(std::string m) {
  return {StatusCode::kUnprocessable, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status IfMatchFailedError(std::string m) {
  return {StatusCode::kIfMatchFailed, std::move(m)};
}

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = InternalError("StatusOr construido con un Status OK");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

/// A validation failure of one field: `field` is its JSON path
/// ("funding[0].amount_mxn"; "" for the body itself), `message` is Spanish,
/// in plain language. Every 422 lists these.
struct FieldError {
  std::string field;
  std::string message;
};

/// Who is calling. An empty user_id is an anonymous caller.
struct Principal {
  std::string user_id;
  std::string email;
  std::string name;
  std::string family_id;  ///< the token family (login) this access token belongs to
  bool instance_admin = false;
  bool authenticated() const { return !user_id.empty(); }
};

/// The answer to "may the caller do this permission on this tenant?".
enum class Access {
  kAllowed,
  kForbidden,  ///< a role on this tenant (or above), but not this permission: 403
  kHidden,     ///< nothing to do with this tenant: 404, never reveal it
};

}  // namespace cabildo

#define CABILDO_STATUS_CONCAT_INNER(a, b) a##b
#define CABILDO_STATUS_CONCAT(a, b) CABILDO_STATUS_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define CABILDO_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::cabildo::Status cabildo_status_ = (expr);        \
    if (!cabildo_status_.ok()) return cabildo_status_; \
  } while (0)

// `CABILDO_ASSIGN_OR_RETURN(auto x, MaybeX());` binds the value or returns the error.
#define CABILDO_ASSIGN_OR_RETURN(lhs, expr)                             \
  auto CABILDO_STATUS_CONCAT(cabildo_statusor_, __LINE__) = (expr);     \
  if (!CABILDO_STATUS_CONCAT(cabildo_statusor_, __LINE__).ok())         \
    return CABILDO_STATUS_CONCAT(cabildo_statusor_, __LINE__).status(); \
  lhs = std::move(CABILDO_STATUS_CONCAT(cabildo_statusor_, __LINE__)).value()
