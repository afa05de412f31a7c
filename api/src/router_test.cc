#include "cabildo/api/router.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name, "text/plain"); };
}

std::string Call(const Router::Match& match) {
  Request request;
  return (*match.handler)(request).body;
}

TEST(RouterTest, MatchesTemplatesAndDecodesParameters) {
  Router router;
  router.Add(Method::kGet, "/v1/tenants", Named("list"));
  router.Add(Method::kGet, "/v1/tenants/{tenant}", Named("one"));
  auto match = router.Find(Method::kGet, "/v1/tenants/g%C3%B3mez");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(Call(match), "one");
  EXPECT_EQ(match.route, "/v1/tenants/{tenant}");
  EXPECT_EQ(match.params.at("tenant"), "gómez");
  EXPECT_EQ(Call(router.Find(Method::kGet, "/v1/tenants")), "list");
}

// Open311's paths carry the format after the parameter: the parameter is
// what precedes the suffix, and a segment without it is another route.
TEST(RouterTest, AParameterMayEndBeforeALiteralSuffix) {
  Router router;
  router.Add(Method::kGet, "/v2/services.json", Named("list"));
  router.Add(Method::kGet, "/v2/services/{service_code}.json", Named("one"));
  router.Add(Method::kGet, "/v2/requests/{id}", Named("plain"));
  auto match = router.Find(Method::kGet, "/v2/services/bache%20grande.json");
  ASSERT_EQ(match.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(Call(match), "one");
  EXPECT_EQ(match.params.at("service_code"), "bache grande");
  EXPECT_EQ(match.route, "/v2/services/{service_code}.json");
  EXPECT_EQ(Call(router.Find(Method::kGet, "/v2/services.json")), "list");
  // Nothing before the suffix, or another format: no such route.
  EXPECT_EQ(router.Find(Method::kGet, "/v2/services/.json").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find(Method::kGet, "/v2/services/bache.xml").kind,
            Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find(Method::kGet, "/v2/requests/a.json").params.at("id"), "a.json");
}

TEST(RouterTest, AMatchCarriesTheRouteOptions) {
  Router router;
  RouteOptions options;
  options.form_body = true;
  router.Add(Method::kPost, "/v2/requests.json", Named("post"), nullptr, options);
  router.Add(Method::kGet, "/v2/other", Named("get"));
  auto post = router.Find(Method::kPost, "/v2/requests.json");
  ASSERT_NE(post.options, nullptr);
  EXPECT_TRUE(post.options->form_body);
  auto refused = router.Find(Method::kDelete, "/v2/requests.json");
  EXPECT_EQ(refused.kind, Router::Match::Kind::kMethodNotAllowed);
  ASSERT_NE(refused.options, nullptr);
  EXPECT_FALSE(router.Find(Method::kGet, "/v2/other").options->form_body);
}

TEST(RouterTest, AFastHandlerIsFoundBesideTheHandler) {
  Router router;
  router.Add(Method::kGet, "/healthz", Named("slow"),
             [](Request&) -> std::optional<Response> { return Response::Empty(204); });
  router.Add(Method::kGet, "/readyz", Named("only-slow"));
  auto fast = router.Find(Method::kGet, "/healthz");
  ASSERT_NE(fast.fast, nullptr);
  Request request;
  EXPECT_EQ((*fast.fast)(request)->status, 204);
  EXPECT_EQ(Call(fast), "slow");
  EXPECT_EQ(router.Find(Method::kGet, "/readyz").fast, nullptr);
}

TEST(Utf8Test, AcceptsWellFormedTextAndRefusesEverythingElse) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Gómez Palacio — 𝄞 ñ"));
  EXPECT_FALSE(IsValidUtf8("\xff"));  // never a UTF-8 byte
  EXPECT_FALSE(
      IsValidUtf8("\x80"
                  "abc"));                        // continuation without a start
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST(RouterTest, UnknownPathIsNotFound) {
  Router router;
  router.Add(Method::kGet, "/v1/tenants/{tenant}", Named("one"));
  EXPECT_EQ(router.Find(Method::kGet, "/v1/nope").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find(Method::kGet, "/v1/tenants/").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find(Method::kGet, "/v1/tenants/a/b").kind, Router::Match::Kind::kNotFound);
  EXPECT_EQ(router.Find(Method::kGet, "").kind, Router::Match::Kind::kNotFound);
}

TEST(RouterTest, KnownPathWithOtherMethodListsTheAllowedOnes) {
  Router router;
  router.Add(Method::kGet, "/v1/tenants", Named("list"));
  router.Add(Method::kPost, "/v1/tenants", Named("create"));
  auto match = router.Find(Method::kDelete, "/v1/tenants");
  ASSERT_EQ(match.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(match.allowed, (std::vector<Method>{Method::kGet, Method::kPost}));
}

TEST(RouterTest, HeadIsServedByGet) {
  Router router;
  router.Add(Method::kGet, "/healthz", Named("health"));
  EXPECT_EQ(router.Find(Method::kHead, "/healthz").kind, Router::Match::Kind::kFound);
}

TEST(RouterTest, DuplicateRouteIsRefused) {
  Router router;
  router.Add(Method::kGet, "/healthz", Named("a"));
  EXPECT_THROW(router.Add(Method::kGet, "/healthz", Named("b")), std::logic_error);
}

TEST(PercentDecodeTest, DecodesAndKeepsInvalidEscapes) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("100%", true), "100%");
  EXPECT_EQ(PercentDecode("%zz", true), "%zz");
}

}  // namespace
}  // namespace cabildo::api
