#include "request_head.h"

#include <string>

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

using Kind = HeadVerdict::Kind;

constexpr std::uint64_t kMaxBody = 1024;

HeadVerdict Inspect(std::string_view bytes) { return InspectRequestHead(bytes, kMaxBody); }

TEST(RequestHead, AnOrdinaryRequestIsAcceptedWithItsHeadSizeAndLength) {
  const std::string head =
      "POST /v1/x?a=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "content-length: 2\r\n\r\n";
  auto verdict = Inspect(head + "{}");
  ASSERT_EQ(verdict.kind, Kind::kAccept) << verdict.detail;
  EXPECT_EQ(verdict.head_bytes, head.size());
  EXPECT_EQ(verdict.content_length, 2u);

  verdict = Inspect("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(verdict.kind, Kind::kAccept);
  EXPECT_EQ(verdict.content_length, 0u);
}

TEST(RequestHead, AnUnfinishedHeadWaitsUntilItIsTooLong) {
  EXPECT_EQ(Inspect("").kind, Kind::kIncomplete);
  EXPECT_EQ(Inspect("GET / HTTP/1.1\r\nHost: x\r\n").kind, Kind::kIncomplete);
  EXPECT_EQ(Inspect("GET / HTTP/1.1\r\nHost: x\r\n\r").kind, Kind::kIncomplete);
  auto verdict = Inspect("GET / HTTP/1.1\r\nX-Big: " + std::string(kMaxHeadBytes, 'a'));
  EXPECT_EQ(verdict.kind, Kind::kReject);
  EXPECT_EQ(verdict.status, 431);
}

TEST(RequestHead, ScanningFromAnOffsetFindsTheSameEnd) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t from = 0; from + 3 <= head.size(); ++from) {
    auto verdict = InspectRequestHead(head, kMaxBody, from);
    ASSERT_EQ(verdict.kind, Kind::kAccept) << from;
    EXPECT_EQ(verdict.head_bytes, head.size());
  }
}

// RFC 9112 §6.3: two different lengths leave the end of the body ambiguous
// (one reader sees a second request where another sees body bytes).
TEST(RequestHead, ConflictingContentLengthsAre400AndIdenticalOnesAccepted) {
  auto verdict = Inspect("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\nhello");
  EXPECT_EQ(verdict.kind, Kind::kReject);
  EXPECT_EQ(verdict.status, 400);
  EXPECT_NE(verdict.detail.find("Content-Length"), std::string_view::npos);

  verdict = Inspect("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 005\r\n\r\nhello");
  ASSERT_EQ(verdict.kind, Kind::kAccept);
  EXPECT_EQ(verdict.content_length, 5u);

  // A list in one field is not a number either.
  EXPECT_EQ(Inspect("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n").status, 400);
}

TEST(RequestHead, BadOrHugeContentLengthsAreRefused) {
  for (const char* value : {"-5", "abc", "1e3", "", "+5", "0x10"}) {
    auto verdict = Inspect(std::string("POST / HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n");
    EXPECT_EQ(verdict.kind, Kind::kReject) << value;
    EXPECT_EQ(verdict.status, 400) << value;
  }
  for (const char* value :
       {"1025", "1000000000", "18446744073709551615", "99999999999999999999999"}) {
    auto verdict = Inspect(std::string("POST / HTTP/1.1\r\nContent-Length: ") + value + "\r\n\r\n");
    EXPECT_EQ(verdict.status, 413) << value;
  }
  EXPECT_EQ(Inspect("POST / HTTP/1.1\r\nContent-Length: \t1024 \r\n\r\n").kind, Kind::kAccept);
}

TEST(RequestHead, TransferEncodingIs411) {
  auto verdict = Inspect("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(verdict.status, 411);
  verdict = Inspect("POST / HTTP/1.1\r\nContent-Length: 3\r\ntransfer-encoding: chunked\r\n\r\n");
  EXPECT_EQ(verdict.status, 411);
}

TEST(RequestHead, MalformedFramingIs400) {
  for (const char* raw : {
           "GARBAGE\r\n\r\n",
           "GET /healthz\r\n\r\n",                                // no version
           "GET  / HTTP/1.1\r\n\r\n",                             // empty target
           "GET / HTTP/2.0\r\n\r\n",                              // unsupported version
           "GET / HTTP/1.1\nHost: x\n\n",                         // bare LF
           "GET / HTTP/1.1\r\nHost: x\n\r\n",                     // one bare LF
           "GET / HTTP/1.1\r\nno-colon-here\r\n\r\n",             // no colon
           "POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello",  // space before the colon
           "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
           "GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",  // obs-fold
           "GET / HTTP/1.1\r\nX-A: a\x01"
           "b\r\n\r\n",  // control character
           "\r\nGET / HTTP/1.1\r\n\r\n",
       }) {
    auto verdict = Inspect(raw);
    EXPECT_EQ(verdict.kind, Kind::kReject) << raw;
    EXPECT_EQ(verdict.status, 400) << raw;
    EXPECT_FALSE(verdict.detail.empty());
  }
  std::string with_nul("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 28);
  EXPECT_EQ(Inspect(with_nul).status, 400);
}

TEST(RequestHead, OnlyTheHeadIsInspectedNotTheBodyOrWhatFollows) {
  auto verdict = Inspect(
      "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n\x01\n\n\x7f"
      "GET / HTTP/9\r\n\r\n");
  EXPECT_EQ(verdict.kind, Kind::kAccept);
}

}  // namespace
}  // namespace cabildo::api
