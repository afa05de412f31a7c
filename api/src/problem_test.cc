#include "cabildo/api/problem.h"

#include <gtest/gtest.h>

namespace cabildo::api {
namespace {

TEST(ProblemTest, IsAnRfc9457DocumentInSpanish) {
  Response response = Problem(422, "Revise los campos señalados.", "req-1",
                              {{"budget_mxn", "Debe ser un importe positivo."}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["type"], "https://cabildo.mx/problems/validation");
  EXPECT_EQ(body["title"], "Datos no válidos");
  EXPECT_EQ(body["status"], 422);
  EXPECT_EQ(body["detail"], "Revise los campos señalados.");
  EXPECT_EQ(body["request_id"], "req-1");
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["field"], "budget_mxn");
}

TEST(ProblemTest, OmitsErrorsWhenThereAreNone) {
  auto body = nlohmann::json::parse(Problem(404, "No existe.", "r").body);
  EXPECT_FALSE(body.contains("errors"));
  EXPECT_EQ(body["type"], "https://cabildo.mx/problems/not-found");
}

TEST(ProblemTest, EveryStatusCodeMapsAsTheStyleGuideSays) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnprocessable), 422);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(ProblemTest, UnavailableCarriesRetryAfter) {
  Response response =
      ProblemFromStatus(UnavailableError("La base de datos no está disponible."), "r");
  EXPECT_EQ(response.status, 503);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
}

TEST(ProblemTest, UnknownStatusesStillGetAStableType) {
  auto body = nlohmann::json::parse(Problem(418, "x", "r").body);
  EXPECT_EQ(body["status"], 418);
  EXPECT_EQ(body["type"], "https://cabildo.mx/problems/bad-request");
}

// Open311 clients read errors as [{code, description}] with the
// specification's statuses: a field error per entry, 422 as 400, 401 as 403.
TEST(AsOpen311ErrorsTest, RewritesProblemDocuments) {
  Response fields = AsOpen311Errors(
      Problem(422, "Revise los campos señalados.", "r1",
              {{"service_code", "No existe ese servicio."}, {"lat", "Debe ser un número."}}));
  EXPECT_EQ(fields.status, 400);
  EXPECT_EQ(fields.content_type, "application/json");
  EXPECT_EQ(
      nlohmann::json::parse(fields.body),
      (nlohmann::json{{{"code", 400}, {"description", "service_code: No existe ese servicio."}},
                      {{"code", 400}, {"description", "lat: Debe ser un número."}}}));

  Response limited = Problem(429, "Demasiadas solicitudes.", "r2");
  limited.headers.emplace_back("Retry-After", "30");
  Response shaped = AsOpen311Errors(limited);
  EXPECT_EQ(shaped.status, 429);
  EXPECT_EQ(nlohmann::json::parse(shaped.body),
            (nlohmann::json{{{"code", 429}, {"description", "Demasiadas solicitudes."}}}));
  ASSERT_EQ(shaped.headers.size(), 1u);
  EXPECT_EQ(shaped.headers[0].second, "30");

  EXPECT_EQ(AsOpen311Errors(Problem(401, "Falta api_key.", "r3")).status, 403);
  EXPECT_EQ(AsOpen311Errors(Problem(404, "No existe.", "r4")).status, 404);
}

TEST(AsOpen311ErrorsTest, LeavesEverythingElseAlone) {
  Response ok = Response::Json(200, nlohmann::json::array());
  EXPECT_EQ(AsOpen311Errors(ok).body, "[]");
  Response already = Response::Json(400, nlohmann::json{{{"code", 400}, {"description", "x"}}});
  EXPECT_EQ(AsOpen311Errors(already).body, already.body);
}

}  // namespace
}  // namespace cabildo::api
