// Conditional requests compare entity-tags as RFC 9110 §13.1.1 says: whole
// tags of a list, strong for If-Match, weak for If-None-Match — never by
// substring.
#include <gtest/gtest.h>

#include "cabildo/api/http.h"

namespace cabildo::api {
namespace {

constexpr const char* kTag = "\"0123abcd\"";

bool Strong(std::string_view field) { return EtagMatches(field, kTag, EtagComparison::kStrong); }
bool Weak(std::string_view field) { return EtagMatches(field, kTag, EtagComparison::kWeak); }

TEST(EtagTest, AListMatchesOnlyAWholeTag) {
  EXPECT_TRUE(Strong("\"0123abcd\""));
  EXPECT_TRUE(Strong("\"zzz\", \"0123abcd\""));
  EXPECT_TRUE(Strong("\"zzz\",\"0123abcd\" , \"yyy\""));
  EXPECT_TRUE(Strong(" \t\"0123abcd\"\t "));
  EXPECT_TRUE(Strong(", ,\"0123abcd\","));  // empty list elements are allowed
  // Our tag is a substring of these, but none of them is our tag.
  EXPECT_FALSE(Strong("\"0123abcd\"\"extra\""));
  EXPECT_FALSE(Strong("x\"0123abcd\""));
  EXPECT_FALSE(Strong("\"x\" \"0123abcd\""));  // two tags without a comma: malformed
  EXPECT_FALSE(Strong("\"0123abc\""));
  EXPECT_FALSE(Strong("\"0123abcde\""));
  EXPECT_FALSE(Strong("0123abcd"));  // unquoted
  EXPECT_FALSE(Strong("\"0123abcd"));
  EXPECT_FALSE(Strong(""));
}

TEST(EtagTest, WeakTagsNeverMatchStronglyButDoWeakly) {
  EXPECT_FALSE(Strong("W/\"0123abcd\""));
  EXPECT_FALSE(Strong("\"zzz\", W/\"0123abcd\""));
  EXPECT_TRUE(Weak("W/\"0123abcd\""));
  EXPECT_TRUE(Weak("\"zzz\", W/\"0123abcd\""));
  EXPECT_FALSE(Weak("w/\"0123abcd\""));  // the prefix is case-sensitive
  EXPECT_FALSE(Weak("W/ \"0123abcd\""));
}

TEST(EtagTest, AStarMatchesAnyCurrentRepresentation) {
  EXPECT_TRUE(Strong("*"));
  EXPECT_TRUE(Weak(" * "));
  EXPECT_FALSE(Weak("*, \"zzz\""));  // "*" is the whole value or nothing
  EXPECT_FALSE(Weak("\"*\""));
}

Request WithIfNoneMatch(const std::string& value) {
  Request request;
  request.headers["if-none-match"] = value;
  return request;
}

TEST(EtagTest, NotModifiedUsesTheWeakComparisonOverTheWholeList) {
  EXPECT_TRUE(NotModified(WithIfNoneMatch("\"a\", W/\"0123abcd\""), kTag).has_value());
  EXPECT_TRUE(NotModified(WithIfNoneMatch(" * "), kTag).has_value());
  auto not_modified = NotModified(WithIfNoneMatch("\"0123abcd\""), kTag);
  ASSERT_TRUE(not_modified.has_value());
  EXPECT_EQ(not_modified->status, 304);
  // Values that merely contain the tag are not a match: the full answer is due.
  EXPECT_FALSE(NotModified(WithIfNoneMatch("junk\"0123abcd\"junk"), kTag).has_value());
  EXPECT_FALSE(NotModified(WithIfNoneMatch("\"x\"\"0123abcd\""), kTag).has_value());
  EXPECT_FALSE(NotModified(WithIfNoneMatch("\"0123abc\""), kTag).has_value());
  EXPECT_FALSE(NotModified(Request{}, kTag).has_value());
}

}  // namespace
}  // namespace cabildo::api
