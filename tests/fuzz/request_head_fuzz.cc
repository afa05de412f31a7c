// The raw request head guard (InspectRequestHead) that runs before Pistache's
// parser: it must never read past the bytes, its verdict must not depend on
// how the head was split into packets (the server rescans from the previous
// size minus 3), and whatever it accepts must be framed exactly: a blank line
// inside the bytes and one Content-Length within the body limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "request_head.h"

namespace {

using cabildo::api::HeadVerdict;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr std::uint64_t kMaxBody = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const HeadVerdict whole = cabildo::api::InspectRequestHead(bytes, kMaxBody);
  switch (whole.kind) {
    case HeadVerdict::Kind::kAccept:
      Check(whole.head_bytes >= 4 && whole.head_bytes <= size);
      Check(whole.head_bytes <= cabildo::api::kMaxHeadBytes);
      Check(whole.content_length <= kMaxBody);
      break;
    case HeadVerdict::Kind::kReject:
      Check(whole.status == 400 || whole.status == 411 || whole.status == 413 ||
            whole.status == 431);
      Check(!whole.detail.empty());
      break;
    case HeadVerdict::Kind::kIncomplete:
      Check(size < cabildo::api::kMaxHeadBytes || !cabildo::api::FindHeadEnd(bytes));
      break;
  }

  // The same bytes arriving in two pieces, as the server scans them: the
  // second scan starts 3 bytes before the end of the first piece.
  if (size > 1) {
    const size_t first = data[0] % size;
    const HeadVerdict part = cabildo::api::InspectRequestHead(bytes.substr(0, first), kMaxBody);
    if (part.kind == HeadVerdict::Kind::kIncomplete) {
      const HeadVerdict rest =
          cabildo::api::InspectRequestHead(bytes, kMaxBody, first >= 3 ? first - 3 : 0);
      Check(rest.kind == whole.kind && rest.status == whole.status &&
            rest.head_bytes == whole.head_bytes);
    }
  }
  return 0;
}
