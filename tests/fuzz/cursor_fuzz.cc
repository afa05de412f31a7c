// The list cursor codec: EncodeCursor/DecodeCursor must round-trip any key,
// a decoded cursor must re-encode to exactly the text the client sent (one
// spelling per cursor, so nothing can be smuggled in its padding), and
// ParsePage must answer a 400 for any cursor or limit it cannot use, and
// accept exactly the cursors signed for its route.
#include <cstddef>
#include <cstdint>
#include <string>

#include "route_support.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  // Any key survives the trip.
  auto decoded = cabildo::api::DecodeCursor(cabildo::api::EncodeCursor(input));
  Check(decoded.has_value() || input.empty());
  if (decoded) Check(*decoded == input);

  // Any client text either fails or is the one encoding of what it decodes to.
  if (auto key = cabildo::api::DecodeCursor(input)) {
    Check(cabildo::api::EncodeCursor(*key) == input);
  }

  // As a list request sees it: ?cursor=<input>&limit=<input>.
  cabildo::api::Request request;
  request.request_id = "fuzz";
  request.query = {{"cursor", input}, {"limit", input}};
  request.route = "/v1/tenants";
  const std::string key(64, 'a');  // hex, as AppContext::CursorKey()
  auto slug_like = [](const std::string& k) { return !k.empty() && k.size() <= 63; };
  cabildo::api::Response problem;
  auto page = cabildo::api::ParsePage(key, request, problem, slug_like);
  if (!page) {
    Check(problem.status == 400);
  } else {
    Check(page->limit >= 1 && page->limit <= 100);
  }

  // A cursor signed for this route round-trips its key; for another route it is refused.
  // (Keys come from the database, always UTF-8; other bytes cannot be signed.)
  std::string signed_cursor;
  try {
    signed_cursor =
        cabildo::api::SignCursor(key, nlohmann::json{{"r", request.route}, {"k", input}});
  } catch (const nlohmann::json::type_error&) {
    return 0;
  }
  request.query = {{"cursor", signed_cursor}};
  auto own =
      cabildo::api::ParsePage(key, request, problem, [](const std::string&) { return true; });
  // (A key with control characters is refused by the bounded parser that
  // reads every cursor; the database never hands one out.)
  bool printable = !input.empty();
  for (char c : input) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable) Check(own.has_value());
  if (own) Check(own->after == input);
  request.route = "/v1/tenants/{tenant}/audit";
  Check(!cabildo::api::ParsePage(key, request, problem, [](const std::string&) { return true; }));
  return 0;
}
