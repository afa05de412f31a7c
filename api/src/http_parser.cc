#include "http_parser.h"

#include <stdexcept>
#include <type_traits>

#include "cabildo/core/log.h"

#include "request_head.h"

namespace cabildo::api {

using namespace Pistache;  // NOLINT(google-build-using-namespace): Pistache's names are long

namespace {

// Wraps one of Pistache's parsing steps so that no parse failure escapes as
// Pistache's plain-text 400/500 (whose body is the exception text); instead the
// request is marked rejected and answered as a problem document by onRequest.
// Before Pistache parses anything, the whole head is checked by
// InspectRequestHead (request_head.h): framing Pistache gets wrong (duplicate
// Content-Length, whitespace before a colon, bare LF) never reaches it, and a
// Content-Length that is not a number, or exceeds the body limit, is refused
// before anything is allocated: Pistache would `reserve()` whatever the client
// claims (stack-notes.md).
template <typename Step>
class GuardedStep final : public Step {
 public:
  GuardedStep(GuardedRequestParser* parser, Http::Request* request)
      : Step(request), parser_(parser) {}

  Http::Private::State apply(StreamCursor& cursor) override;

 private:
  GuardedRequestParser* parser_;
};

template <typename Step>
Http::Private::State GuardedStep<Step>::apply(StreamCursor& cursor) {
  using Http::Private::State;
  if (parser_->discarding()) {
    cursor.advance(cursor.remaining());
    return State::Again;
  }
  try {
    if constexpr (std::is_same_v<Step, Http::Private::RequestLineStep>) {
      if (!parser_->HeadAccepted(cursor)) {
        return parser_->rejection() ? State::Done : State::Again;
      }
    }
    const State state = Step::apply(cursor);
    if constexpr (std::is_same_v<Step, Http::Private::BodyStep>) {
      if (state == State::Done && cursor.remaining() > 0) parser_->MarkMoreFollowed();
    }
    return state;
  } catch (const Http::HttpError& error) {
    parser_->Reject(error.code() == 501 ? 400 : error.code(), "Solicitud HTTP mal formada.");
  } catch (const std::out_of_range&) {
    // Pistache's Content-Length parser overflowed: the claimed body is absurdly large.
    parser_->Reject(413, parser_->TooLarge());
  } catch (const std::exception&) {
    parser_->Reject(400, "Solicitud HTTP mal formada.");
  }
  return State::Done;
}

}  // namespace

GuardedRequestParser::GuardedRequestParser(std::size_t max_request_bytes,
                                           std::size_t max_body_bytes, TimeoutLog timeout_log)
    : Http::RequestParser(max_request_bytes),
      max_body_bytes_(max_body_bytes),
      timeout_log_(std::move(timeout_log)) {
  allSteps[0] = std::make_unique<GuardedStep<Http::Private::RequestLineStep>>(this, &request);
  allSteps[1] = std::make_unique<GuardedStep<Http::Private::HeadersStep>>(this, &request);
  allSteps[2] = std::make_unique<GuardedStep<Http::Private::BodyStep>>(this, &request);
}

GuardedRequestParser::~GuardedRequestParser() {
  if (answered_any_ || discarding_) return;
  const bool in_body = step()->id() == Http::Private::BodyStep::Id;
  const auto waited = std::chrono::steady_clock::now() - time();
  if (waited < (in_body ? timeout_log_.body_timeout : timeout_log_.header_timeout)) {
    return;  // the client left before the timeout
  }
  try {
    core::LogInfo("request",
                  {{"request_id", "-"},
                   {"method", "-"},
                   {"path", "-"},
                   {"route", "timeout"},
                   {"status", 408},
                   {"duration_ms", std::chrono::duration<double, std::milli>(waited).count()},
                   {"remote", timeout_log_.remote}});
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor never throws
  }
}

void GuardedRequestParser::reset() {
  Http::RequestParser::reset();
  rejection_.reset();
  head_checked_ = false;
  head_scanned_ = 0;
  more_followed_ = false;
}

bool GuardedRequestParser::HeadAccepted(const StreamCursor& cursor) {
  if (head_checked_) return true;
  // A new request starts at the beginning of the parser's buffer (reset()).
  const std::size_t received = static_cast<std::size_t>(cursor) + cursor.remaining();
  const HeadVerdict verdict = InspectRequestHead(std::string_view(cursor.offset(0), received),
                                                 max_body_bytes_, head_scanned_);
  switch (verdict.kind) {
    case HeadVerdict::Kind::kIncomplete:
      head_scanned_ = received < 3 ? 0 : received - 3;  // the blank line may straddle
      return false;
    case HeadVerdict::Kind::kReject:
      Reject(verdict.status, verdict.status == 413 ? TooLarge() : std::string(verdict.detail));
      return false;
    case HeadVerdict::Kind::kAccept:
      head_checked_ = true;
      return true;
  }
  return false;
}

std::string GuardedRequestParser::TooLarge() const {
  return "El cuerpo excede el máximo de " + std::to_string(max_body_bytes_) + " bytes.";
}

}  // namespace cabildo::api
