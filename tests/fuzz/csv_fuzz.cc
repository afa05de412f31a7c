// The SDK's CSV writer (CsvRow/CsvCell, plugin_api.h), as every CSV export
// uses it. Cells come from the input split at 0x1F. Reading the row back per
// RFC 4180 must give every cell back, and no cell may start with a character
// a spreadsheet runs as a formula unless it is a plain number.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cabildo/plugin/plugin_api.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// RFC 4180 reader for one CRLF-terminated row.
std::vector<std::string> ReadRow(const std::string& row) {
  Check(row.size() >= 2 && row.compare(row.size() - 2, 2, "\r\n") == 0);
  const std::string line = row.substr(0, row.size() - 2);
  std::vector<std::string> cells(1);
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '"' && cells.back().empty()) {
      ++i;
      for (;;) {
        Check(i < line.size());  // an unterminated quoted cell
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cells.back().push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cells.back().push_back(line[i++]);
      }
      Check(i == line.size() || line[i] == ',');
    } else if (line[i] == ',') {
      cells.emplace_back();
      ++i;
    } else {
      Check(line[i] != '"' && line[i] != '\r' && line[i] != '\n');  // only inside quotes
      cells.back().push_back(line[i++]);
    }
  }
  return cells;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> cells(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0x1F) {
      cells.emplace_back();
    } else {
      cells.back().push_back(static_cast<char>(data[i]));
    }
  }
  const std::string row = cabildo::plugin::CsvRow(cells);
  const std::vector<std::string> read = ReadRow(row);
  Check(read.size() == cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string& cell = read[i];
    const bool runnable =
        !cell.empty() && std::string("=+-@\t\r").find(cell.front()) != std::string::npos;
    Check(!runnable || cabildo::plugin::IsPlainNumber(cell));
    // The value is kept, behind at most the apostrophe that defuses it.
    Check(cell == cells[i] || cell == "'" + cells[i]);
  }
  return 0;
}
