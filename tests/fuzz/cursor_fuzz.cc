// The list cursor codec: EncodeCursor/DecodeCursor must round-trip any key,
// a decoded cursor must re-encode to exactly the text the client sent (one
// spelling per cursor, so nothing can be smuggled in its padding), and
// ParsePage must answer a 400 for any cursor or limit it cannot use.
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
  cabildo::api::Response problem;
  auto page = cabildo::api::ParsePage(request, problem, [](const std::string& key) {
    return !key.empty() && key.size() <= 63;  // a slug-like key, as the tenant list vets it
  });
  if (!page) {
    Check(problem.status == 400);
  } else {
    Check(page->limit >= 1 && page->limit <= 100);
  }
  return 0;
}
