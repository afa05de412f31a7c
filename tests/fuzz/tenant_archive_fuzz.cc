// The tenant archive (POST /v1/tenants/import, `cabildo tenants import`):
// ReadArchive checks every line before the database sees any of it. Any input
// is refused as a broken (kInvalidArgument) or unacceptable (kUnprocessable)
// archive, or read whole: a header first, every row of the header's tenant in
// a valid table, and a trailer last.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cabildo/core/tenant_archive.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cabildo::core::ArchiveItem;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string tenant_id;
  int headers = 0;
  int ends = 0;
  const auto status = cabildo::core::ReadArchive(text, [&](const ArchiveItem& item) {
    Check(ends == 0);  // nothing after the trailer
    switch (item.kind) {
      case ArchiveItem::Kind::kHeader:
        ++headers;
        tenant_id = item.header.tenant.id;
        Check(tenant_id.size() == 36);
        break;
      case ArchiveItem::Kind::kUser:
        Check(headers == 1 && item.user.id.size() == 36);
        break;
      case ArchiveItem::Kind::kRow:
        Check(headers == 1 && item.keys.count("tenant_id") == 1);
        Check(item.table.find('.') != std::string::npos);
        break;
      case ArchiveItem::Kind::kEnd:
        ++ends;
        break;
    }
    return cabildo::OkStatus();
  });
  if (status.ok()) {
    Check(headers == 1 && ends == 1);
  } else {
    Check(status.code() == cabildo::StatusCode::kInvalidArgument ||
          status.code() == cabildo::StatusCode::kUnprocessable);
    Check(!status.message().empty());
  }
  return 0;
}
