// The Local Technical Secretariat (STL): its members (sector, seat,
// alternate_of, term), its sessions with their agreements, and its decisions
// with their votes. Which votes count and the outcome under each rule are
// decided by decision_rules.h (pure, unit-tested); this file reads and
// writes the tables of migrations/0002_secretariat.sql and declares the
// routes under /secretariat.
//
// "Today" is the date in central Mexico (America/Mexico_City): a member is
// current today, an agreement overdue today. A decision has its own date
// (decided_on): the members current on that date are its voters.
#include <optional>
#include <string>
#include <vector>

#include "cabildo/plugin/values.h"

#include "decision_rules.h"
#include "open_government.h"

namespace cabildo::plugins::open_government {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;
using Written = StatusOr<std::optional<HttpResponse>>;

// Reading drafts without writing (the auditor's, by default): declared here
// as public-works declares its own.
constexpr const char* kSecretariatRead = "open-government.secretariat.read";

constexpr const char* kMemberNotFound = "No existe el integrante.";
constexpr const char* kSessionNotFound = "No existe la sesión.";
constexpr const char* kAgreementNotFound = "No existe el acuerdo.";
constexpr const char* kDecisionNotFound = "No existe la decisión.";
constexpr const char* kClosed = "La decisión está cerrada: ya no cambia ni admite votos.";

// Today's date where the Secretariats sit.
#define OG_TODAY "(now() AT TIME ZONE 'America/Mexico_City')::date"
// A timestamp as RFC 3339 UTC with microseconds.
#define OG_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

// Writers and readers of everything (the auditor, by default) see drafts.
bool SeesDrafts(RequestContext& ctx) {
  return ctx.Authorize(kSecretariatRead) == Access::kAllowed ||
         ctx.Authorize(kSecretariatWrite) == Access::kAllowed;
}

// The keyset of a list page ([updated_at, id]) or nulls on the first page.
struct After {
  std::optional<std::string> at, id;
};
StatusOr<After> AfterOf(const RequestContext::Page& page) {
  After after;
  if (page.after.is_null()) return after;
  if (!page.after.is_array() || page.after.size() != 2 || !page.after[0].is_string() ||
      !page.after[1].is_string()) {
    return InvalidArgumentError("El cursor no es válido para esta lista; empiece sin cursor.");
  }
  after.at = page.after[0].get<std::string>();
  after.id = page.after[1].get<std::string>();
  return after;
}
json KeyOf(const json& item) { return json{item["updated_at"], item["id"]}; }

std::optional<std::string> OptString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

// ---------------------------------------------------------------- members

// Columns: id, tenant, name, sector, institution, position, seat,
// alternate_of, since, until, current (today), published, created_at,
// updated_at, deleted.
constexpr const char* kMemberColumns =
    "m.id::text, t.slug, m.name, m.sector, m.institution, m.position, m.seat, "
    "m.alternate_of::text, m.since::text, m.until::text, "
    "(m.deleted_at IS NULL AND m.since <= " OG_TODAY " AND (m.until IS NULL OR " OG_TODAY
    " <= m.until)), m.published, " OG_TS("m.created_at") ", " OG_TS(
        "m.updated_at") ", m.deleted_at IS NOT NULL "
                        "FROM open_government.members m JOIN core.tenants t ON t.id = m.tenant_id ";

// `gone`: a tombstone (deleted, or hidden from this caller).
json MemberJson(const pqxx::row& all, int at = 0, bool gone = false) {
  auto row = [&all, at](int i) { return all[at + i]; };
  if (gone || row(14).as<bool>()) {
    return {{"id", row(0).as<std::string>()},
            {"tenant", row(1).as<std::string>()},
            {"updated_at", row(13).as<std::string>()},
            {"deleted", true}};
  }
  auto nullable = [](const pqxx::field& f) {
    return f.is_null() ? json(nullptr) : json(f.as<std::string>());
  };
  return {{"id", row(0).as<std::string>()},          {"tenant", row(1).as<std::string>()},
          {"name", row(2).as<std::string>()},        {"sector", row(3).as<std::string>()},
          {"institution", row(4).as<std::string>()}, {"position", row(5).as<std::string>()},
          {"seat", row(6).as<std::string>()},        {"alternate_of", nullable(row(7))},
          {"since", row(8).as<std::string>()},       {"until", nullable(row(9))},
          {"current", row(10).as<bool>()},           {"published", row(11).as<bool>()},
          {"created_at", row(12).as<std::string>()}, {"updated_at", row(13).as<std::string>()}};
}

std::optional<json> FindMember(RequestContext& ctx, const std::string& id, bool lock, bool drafts) {
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_member_for_update" : "open_government.find_member",
      std::string("SELECT ") + kMemberColumns +
          "WHERE m.tenant_id = $1 AND m.id = $2::uuid AND m.deleted_at IS NULL "
          "AND (m.published OR $3)" +
          (lock ? " FOR UPDATE OF m" : ""),
      ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return MemberJson(rows[0]);
}

StatusOr<HttpResponse> ListMembers(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  CABILDO_ASSIGN_OR_RETURN(const After after, AfterOf(page));
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  std::optional<bool> current;
  if (auto value = ctx.Query("current")) current = *value == "true";
  // Without updated_since: visible, non-deleted members. With it, every
  // change since then, deleted or hidden ones as tombstones.
  auto rows = plugin::Exec(
      ctx, "open_government.list_members",
      std::string("SELECT NOT (m.published OR $2), ") + kMemberColumns +
          "WHERE m.tenant_id = ANY ($1::uuid[]) "
          "AND ($3::timestamptz IS NULL OR m.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR (m.deleted_at IS NULL AND (m.published OR $2))) "
          "AND ($4::timestamptz IS NULL OR (m.updated_at, m.id) > ($4::timestamptz, $5::uuid)) "
          "AND ($7::boolean IS NULL OR (m.deleted_at IS NULL AND m.since <= " OG_TODAY
          " AND (m.until IS NULL OR " OG_TODAY
          " <= m.until)) = $7::boolean) "
          "ORDER BY m.updated_at, m.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after.at, after.id, page.limit + 1,
      current);
  return plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& row) { return MemberJson(row, 1, row[0].as<bool>()); },
      &KeyOf);
}

StatusOr<HttpResponse> GetMember(RequestContext& ctx) {
  auto member = FindMember(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!member) return NotFoundError(kMemberNotFound);
  return HttpResponse::Json(200, *member);
}

// What the schema cannot say about a complete member `m` (after a PATCH is
// merged); `self` is its id when it exists already.
std::vector<FieldError> CheckMember(RequestContext& ctx, const json& m, const std::string& self) {
  std::vector<FieldError> errors;
  const std::string seat = m["seat"].get<std::string>();
  const std::optional<std::string> titular = OptString(m, "alternate_of");
  if (seat == "alternate" && !titular) {
    errors.push_back({"alternate_of", "Un suplente debe indicar el id de su titular."});
  } else if (seat != "alternate" && titular) {
    errors.push_back({"alternate_of", "Solo un suplente (seat alternate) indica a su titular."});
  } else if (titular) {
    auto rows = plugin::Exec(ctx, "open_government.titular_seat",
                             "SELECT seat FROM open_government.members WHERE tenant_id = $1 "
                             "AND id = $2::uuid AND deleted_at IS NULL",
                             ctx.tenant_id(), *titular);
    if (*titular == self || rows.empty() || rows[0][0].as<std::string>() != "titular") {
      errors.push_back({"alternate_of", "No es un integrante titular de este Secretariado."});
    }
  }
  if (auto until = OptString(m, "until"); until && *until < m["since"].get<std::string>()) {
    errors.push_back({"until", "El fin del periodo no puede ser anterior a su inicio (since)."});
  }
  if (!self.empty() && seat != "titular") {
    auto alternates = plugin::Exec1(ctx, "open_government.count_alternates",
                                    "SELECT count(*) FROM open_government.members "
                                    "WHERE tenant_id = $1 AND alternate_of = $2::uuid "
                                    "AND deleted_at IS NULL",
                                    ctx.tenant_id(), self)[0]
                          .as<int64_t>();
    if (alternates > 0) {
      errors.push_back(
          {"seat", "Tiene suplentes: asígnelos a otro titular antes de cambiar su calidad."});
    }
  }
  return errors;
}

StatusOr<HttpResponse> CreateMember(RequestContext& ctx) {
  const json& body = ctx.Body();
  if (auto errors = CheckMember(ctx, body, ""); !errors.empty()) return ctx.FieldErrors(errors);
  const std::string id =
      plugin::Exec1(ctx, "open_government.insert_member",
                    "INSERT INTO open_government.members (tenant_id, name, sector, institution, "
                    "position, seat, alternate_of, since, until, published, updated_at) VALUES "
                    "($1, $2, $3, $4, $5, $6, $7::uuid, $8::date, $9::date, $10, "
                    "clock_timestamp()) RETURNING id::text",
                    ctx.tenant_id(), body["name"].get<std::string>(),
                    body["sector"].get<std::string>(), body.value("institution", ""),
                    body.value("position", ""), body["seat"].get<std::string>(),
                    OptString(body, "alternate_of"), body["since"].get<std::string>(),
                    OptString(body, "until"), body.value("published", false))[0]
          .as<std::string>();
  const json member = *FindMember(ctx, id, false, true);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("member.create", "member", id, json::object(), member));
  return HttpResponse::Json(201, member);
}

StatusOr<HttpResponse> UpdateMember(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "member.update",
            .entity = "member",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindMember(ctx, id, lock, true); },
            .write = [&ctx, id](const json& before) -> Written {
              json m = before;
              for (const auto& [key, value] : ctx.Body().items()) m[key] = value;
              if (auto errors = CheckMember(ctx, m, id); !errors.empty()) {
                return Written(ctx.FieldErrors(errors));
              }
              plugin::Exec(ctx, "open_government.update_member",
                           "UPDATE open_government.members SET name = $3, sector = $4, "
                           "institution = $5, position = $6, seat = $7, alternate_of = $8::uuid, "
                           "since = $9::date, until = $10::date, published = $11, "
                           "updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id, m["name"].get<std::string>(),
                           m["sector"].get<std::string>(), m["institution"].get<std::string>(),
                           m["position"].get<std::string>(), m["seat"].get<std::string>(),
                           OptString(m, "alternate_of"), m["since"].get<std::string>(),
                           OptString(m, "until"), m["published"].get<bool>());
              return Written(std::nullopt);
            },
            .not_found = kMemberNotFound});
}

// A tombstone. The member stops being current everywhere: its votes on open
// decisions stop counting; its alternates lose their seat. Closed decisions
// keep their frozen outcome.
StatusOr<HttpResponse> DeleteMember(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "member.delete",
            .entity = "member",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindMember(ctx, id, lock, true); },
            .write = [&ctx, id](const json&) -> Written {
              plugin::Exec(ctx, "open_government.delete_member",
                           "UPDATE open_government.members SET deleted_at = now(), "
                           "updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id);
              return Written(std::nullopt);
            },
            .not_found = kMemberNotFound,
            .deletes = true});
}

// ------------------------------------------------------ sessions, agreements

// One agreement `a` of session `s` (tenant `t`) as jsonb.
#define OG_AGREEMENT_JSON                                                                       \
  "jsonb_build_object('id', a.id, 'tenant', t.slug, 'session_id', a.session_id, "               \
  "'session_date', s.held_on::text, 'text', a.text, 'responsible', a.responsible, "             \
  "'due', a.due::text, 'done', a.done, 'overdue', (NOT a.done AND a.due IS NOT NULL AND a.due " \
  "< " OG_TODAY "), 'updated_at', " OG_TS("a.updated_at") ")"

// Columns: deleted, json of session `s` with its agreements.
constexpr const char* kSessionColumns =
    "s.deleted_at IS NOT NULL, jsonb_build_object('id', s.id, 'tenant', t.slug, "
    "'date', s.held_on::text, 'kind', s.kind, 'minutes_url', s.minutes_url, "
    "'published', s.published, 'agreements', COALESCE((SELECT jsonb_agg(" OG_AGREEMENT_JSON
    " ORDER BY a.position, a.id) FROM open_government.agreements a "
    "WHERE a.tenant_id = s.tenant_id AND a.session_id = s.id AND a.deleted_at IS NULL), "
    "'[]'::jsonb), 'created_at', " OG_TS("s.created_at") ", 'updated_at', " OG_TS(
        "s.updated_at") ")::text "
                        "FROM open_government.sessions s JOIN core.tenants t ON t.id = s.tenant_id ";

json SessionJson(const pqxx::row& row, int at = 0, bool gone = false) {
  json session = json::parse(row[at + 1].as<std::string>());
  if (gone || row[at].as<bool>()) {
    return {{"id", session["id"]},
            {"tenant", session["tenant"]},
            {"updated_at", session["updated_at"]},
            {"deleted", true}};
  }
  return session;
}

std::optional<json> FindSession(RequestContext& ctx, const std::string& id, bool lock,
                                bool drafts) {
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_session_for_update" : "open_government.find_session",
      std::string("SELECT ") + kSessionColumns +
          "WHERE s.tenant_id = $1 AND s.id = $2::uuid AND s.deleted_at IS NULL "
          "AND (s.published OR $3)" +
          (lock ? " FOR UPDATE OF s" : ""),
      ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  return SessionJson(rows[0]);
}

StatusOr<HttpResponse> ListSessions(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  CABILDO_ASSIGN_OR_RETURN(const After after, AfterOf(page));
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  auto rows = plugin::Exec(
      ctx, "open_government.list_sessions",
      std::string("SELECT NOT (s.published OR $2), ") + kSessionColumns +
          "WHERE s.tenant_id = ANY ($1::uuid[]) "
          "AND ($3::timestamptz IS NULL OR s.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR (s.deleted_at IS NULL AND (s.published OR $2))) "
          "AND ($4::timestamptz IS NULL OR (s.updated_at, s.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY s.updated_at, s.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after.at, after.id, page.limit + 1);
  return plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& row) { return SessionJson(row, 1, row[0].as<bool>()); },
      &KeyOf);
}

StatusOr<HttpResponse> GetSession(RequestContext& ctx) {
  auto session = FindSession(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!session) return NotFoundError(kSessionNotFound);
  return HttpResponse::Json(200, *session);
}

void InsertAgreement(RequestContext& ctx, const std::string& session_id, const json& a) {
  plugin::Exec(ctx, "open_government.insert_agreement",
               "INSERT INTO open_government.agreements (tenant_id, session_id, position, text, "
               "responsible, due, done, updated_at) SELECT $1, $2::uuid, "
               "COALESCE(max(position) + 1, 0), $3, $4, $5::date, $6, clock_timestamp() "
               "FROM open_government.agreements WHERE tenant_id = $1 AND session_id = $2::uuid",
               ctx.tenant_id(), session_id, a["text"].get<std::string>(),
               a.value("responsible", ""), OptString(a, "due"), a.value("done", false));
}

StatusOr<HttpResponse> CreateSession(RequestContext& ctx) {
  const json& body = ctx.Body();
  const std::string id =
      plugin::Exec1(ctx, "open_government.insert_session",
                    "INSERT INTO open_government.sessions (tenant_id, held_on, kind, minutes_url, "
                    "published, updated_at) VALUES ($1, $2::date, $3, $4, $5, clock_timestamp()) "
                    "RETURNING id::text",
                    ctx.tenant_id(), body["date"].get<std::string>(),
                    body["kind"].get<std::string>(), OptString(body, "minutes_url"),
                    body.value("published", false))[0]
          .as<std::string>();
  if (auto agreements = body.find("agreements"); agreements != body.end()) {
    for (const json& a : *agreements) InsertAgreement(ctx, id, a);
  }
  const json session = *FindSession(ctx, id, false, true);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("session.create", "session", id, json::object(), session));
  return HttpResponse::Json(201, session);
}

StatusOr<HttpResponse> UpdateSession(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "session.update",
            .entity = "session",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindSession(ctx, id, lock, true); },
            .write = [&ctx, id](const json& before) -> Written {
              json s = before;
              for (const auto& [key, value] : ctx.Body().items()) s[key] = value;
              plugin::Exec(ctx, "open_government.update_session",
                           "UPDATE open_government.sessions SET held_on = $3::date, kind = $4, "
                           "minutes_url = $5, published = $6, updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id, s["date"].get<std::string>(),
                           s["kind"].get<std::string>(), OptString(s, "minutes_url"),
                           s["published"].get<bool>());
              return Written(std::nullopt);
            },
            .not_found = kSessionNotFound});
}

// The session's updated_at moves with every change to its agreements (they
// are part of it), so a sync with updated_since sees them.
void TouchSession(RequestContext& ctx, const std::string& session_id) {
  plugin::Exec(ctx, "open_government.touch_session",
               "UPDATE open_government.sessions SET updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), session_id);
}

StatusOr<HttpResponse> AddAgreement(RequestContext& ctx) {
  const std::string session_id = ctx.PathParam("session_id");
  auto before = FindSession(ctx, session_id, true, true);
  if (!before) return NotFoundError(kSessionNotFound);
  InsertAgreement(ctx, session_id, ctx.Body());
  TouchSession(ctx, session_id);
  const json after = *FindSession(ctx, session_id, false, true);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("agreement.create", "session", session_id,
                                    json{{"agreements", (*before)["agreements"]}},
                                    json{{"agreements", after["agreements"]}}));
  return HttpResponse::Json(201, after);
}

// Columns: json of agreement `a` (with its session `s` and tenant `t`).
constexpr const char* kAgreementFrom =
    " FROM open_government.agreements a "
    "JOIN open_government.sessions s ON s.tenant_id = a.tenant_id AND s.id = a.session_id "
    "JOIN core.tenants t ON t.id = a.tenant_id ";

std::optional<json> FindAgreement(RequestContext& ctx, const std::string& session_id,
                                  const std::string& id, bool lock) {
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_agreement_for_update" : "open_government.find_agreement",
      std::string("SELECT " OG_AGREEMENT_JSON "::text") + kAgreementFrom +
          "WHERE a.tenant_id = $1 AND a.session_id = $2::uuid AND a.id = $3::uuid "
          "AND a.deleted_at IS NULL AND s.deleted_at IS NULL" +
          (lock ? " FOR UPDATE OF a" : ""),
      ctx.tenant_id(), session_id, id);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].as<std::string>());
}

StatusOr<HttpResponse> UpdateAgreement(RequestContext& ctx) {
  const std::string session_id = ctx.PathParam("session_id");
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "agreement.update",
            .entity = "agreement",
            .id = id,
            .find = [&ctx, session_id,
                     id](bool lock) { return FindAgreement(ctx, session_id, id, lock); },
            .write = [&ctx, session_id, id](const json& before) -> Written {
              json a = before;
              for (const auto& [key, value] : ctx.Body().items()) a[key] = value;
              plugin::Exec(ctx, "open_government.update_agreement",
                           "UPDATE open_government.agreements SET text = $3, responsible = $4, "
                           "due = $5::date, done = $6, updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id, a["text"].get<std::string>(),
                           a["responsible"].get<std::string>(), OptString(a, "due"),
                           a["done"].get<bool>());
              TouchSession(ctx, session_id);
              return Written(std::nullopt);
            },
            .not_found = kAgreementNotFound});
}

StatusOr<HttpResponse> ListAgreements(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  CABILDO_ASSIGN_OR_RETURN(const After after, AfterOf(page));
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  std::optional<bool> overdue;
  if (auto value = ctx.Query("overdue")) overdue = *value == "true";
  auto rows = plugin::Exec(
      ctx, "open_government.list_agreements",
      std::string("SELECT " OG_AGREEMENT_JSON "::text") + kAgreementFrom +
          "WHERE a.tenant_id = ANY ($1::uuid[]) AND a.deleted_at IS NULL "
          "AND s.deleted_at IS NULL AND (s.published OR $2) "
          "AND ($3::timestamptz IS NULL OR a.updated_at > $3::timestamptz) "
          "AND ($4::timestamptz IS NULL OR (a.updated_at, a.id) > ($4::timestamptz, $5::uuid)) "
          "AND ($7::boolean IS NULL OR (NOT a.done AND a.due IS NOT NULL AND a.due < " OG_TODAY
          ") = $7::boolean) "
          "ORDER BY a.updated_at, a.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after.at, after.id, page.limit + 1,
      overdue);
  return plugin::PageOf(
      ctx, page, rows, [](const pqxx::row& row) { return json::parse(row[0].as<std::string>()); },
      &KeyOf);
}

// ------------------------------------------------------ decisions and votes

// Columns: deleted, decided_on, quorum, rule, frozen result (or null), json.
constexpr const char* kDecisionColumns =
    "d.deleted_at IS NOT NULL, d.decided_on::text, d.quorum, d.rule, d.result::text, "
    "jsonb_build_object('id', d.id, 'tenant', t.slug, 'title', d.title, 'rule', d.rule, "
    "'quorum', d.quorum, 'session_id', d.session_id, 'date', d.decided_on::text, "
    "'published', d.published, 'closed', d.closed_at IS NOT NULL, "
    "'closed_at', " OG_TS("d.closed_at") ", "
    "'result', COALESCE(d.result->'outcome'->>'result', 'open'), "
    "'created_at', " OG_TS("d.created_at") ", 'updated_at', " OG_TS("d.updated_at") ")::text "
    "FROM open_government.decisions d JOIN core.tenants t ON t.id = d.tenant_id ";

json DecisionSummary(const pqxx::row& row, int at = 0, bool gone = false) {
  json decision = json::parse(row[at + 5].as<std::string>());
  if (gone || row[at].as<bool>()) {
    return {{"id", decision["id"]},
            {"tenant", decision["tenant"]},
            {"updated_at", decision["updated_at"]},
            {"deleted", true}};
  }
  return decision;
}

// The tenant's members as decision_rules sees them, current on `date`.
std::vector<Voter> VotersOn(RequestContext& ctx, const std::string& date) {
  std::vector<Voter> voters;
  auto rows = plugin::Exec(ctx, "open_government.voters",
                           "SELECT id::text, sector, seat, COALESCE(alternate_of::text, ''), "
                           "(deleted_at IS NULL AND since <= $2::date AND "
                           "(until IS NULL OR $2::date <= until)) "
                           "FROM open_government.members WHERE tenant_id = $1",
                           ctx.tenant_id(), date);
  voters.reserve(rows.size());
  for (const auto& row : rows) {
    voters.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                      row[3].as<std::string>(), row[4].as<bool>()});
  }
  return voters;
}

// The votes cast on a decision, in order, with their members.
struct VoteRow {
  CastVote cast;
  json shown;  // id, member_id, name, sector, seat, alternate_of, vote, cast_at
};
std::vector<VoteRow> VotesOf(RequestContext& ctx, const std::string& decision_id) {
  std::vector<VoteRow> votes;
  auto rows = plugin::Exec(
      ctx, "open_government.votes_of",
      "SELECT v.id::text, v.member_id::text, m.name, m.sector, m.seat, m.alternate_of::text, "
      "v.vote, " OG_TS("v.cast_at") " FROM open_government.votes v "
      "JOIN open_government.members m ON m.tenant_id = v.tenant_id AND m.id = v.member_id "
      "WHERE v.tenant_id = $1 AND v.decision_id = $2::uuid ORDER BY v.cast_at, v.id",
      ctx.tenant_id(), decision_id);
  for (const auto& row : rows) {
    VoteRow vote;
    vote.cast = {row[1].as<std::string>(), row[6].as<std::string>()};
    vote.shown = {{"id", row[0].as<std::string>()},
                  {"member_id", row[1].as<std::string>()},
                  {"name", row[2].as<std::string>()},
                  {"sector", row[3].as<std::string>()},
                  {"seat", row[4].as<std::string>()},
                  {"alternate_of", row[5].is_null() ? json(nullptr) : json(row[5].c_str())},
                  {"vote", row[6].as<std::string>()},
                  {"cast_at", row[7].as<std::string>()}};
    votes.push_back(std::move(vote));
  }
  return votes;
}

// {"votes": [...], "outcome": {...}} of a decision as it stands now.
json Tally(RequestContext& ctx, const std::string& decision_id, const std::string& rule,
           std::optional<int> quorum, const std::string& date, bool closed) {
  const std::vector<VoteRow> rows = VotesOf(ctx, decision_id);
  std::vector<CastVote> cast;
  cast.reserve(rows.size());
  for (const VoteRow& row : rows) cast.push_back(row.cast);
  const Outcome o = Decide(rule, quorum, VotersOn(ctx, date), cast, closed);
  json votes = json::array();
  for (size_t i = 0; i < rows.size(); ++i) {
    json vote = rows[i].shown;
    const VoteStatus& status = o.votes[i];
    vote["seat_of"] = status.seat_id.empty() ? json(nullptr) : json(status.seat_id);
    vote["status"] = status.status;
    vote["counted"] = status.status == "counted";
    vote["replaced"] = status.status == "replaced";
    votes.push_back(std::move(vote));
  }
  json outcome = {{"result", o.result},
                  {"provisional", o.provisional},
                  {"yes", o.yes},
                  {"no", o.no},
                  {"abstain", o.abstain},
                  {"civil_society_yes", o.civil_society_yes},
                  {"voting_seats", o.voting_seats},
                  {"seats_present", o.seats_present},
                  {"quorum_required", o.quorum_required},
                  {"quorum_met", o.quorum_met},
                  {"explanation", o.explanation}};
  return {{"votes", std::move(votes)}, {"outcome", std::move(outcome)}};
}

// Callers who do not see drafts never see an unpublished member either: its
// vote is listed (it counts) without its name or institution-level detail.
void HideDraftMembers(RequestContext& ctx, json& votes) {
  if (votes.empty()) return;
  std::vector<std::string> ids;
  for (const json& vote : votes) ids.push_back(vote["member_id"].get<std::string>());
  auto rows = plugin::Exec(ctx, "open_government.draft_members",
                           "SELECT id::text FROM open_government.members WHERE tenant_id = $1 "
                           "AND NOT published AND deleted_at IS NULL AND id = ANY ($2::uuid[])",
                           ctx.tenant_id(), plugin::PgArray(ids));
  for (const auto& row : rows) {
    const std::string id = row[0].as<std::string>();
    for (json& vote : votes) {
      if (vote["member_id"] == id) vote["name"] = "Integrante sin publicar";
    }
  }
}

// A decision as GET returns it: with every vote and the outcome (frozen once
// closed, computed now while open).
struct FoundDecision {
  json shown;
  std::string date, rule;
  std::optional<int> quorum;
  bool closed = false;
};
std::optional<FoundDecision> FindDecision(RequestContext& ctx, const std::string& id, bool lock,
                                          bool drafts) {
  auto rows = plugin::Exec(
      ctx, lock ? "open_government.find_decision_for_update" : "open_government.find_decision",
      std::string("SELECT ") + kDecisionColumns +
          "WHERE d.tenant_id = $1 AND d.id = $2::uuid AND d.deleted_at IS NULL "
          "AND (d.published OR $3)" +
          (lock ? " FOR UPDATE OF d" : ""),
      ctx.tenant_id(), id, drafts);
  if (rows.empty()) return std::nullopt;
  const pqxx::row row = rows[0];
  FoundDecision found;
  found.shown = DecisionSummary(row);
  found.date = row[1].as<std::string>();
  if (!row[2].is_null()) found.quorum = row[2].as<int>();
  found.rule = row[3].as<std::string>();
  found.closed = !row[4].is_null();
  const json tally = found.closed
                         ? json::parse(row[4].as<std::string>())
                         : Tally(ctx, id, found.rule, found.quorum, found.date, /*closed=*/false);
  found.shown["votes"] = tally["votes"];
  found.shown["outcome"] = tally["outcome"];
  if (!drafts) HideDraftMembers(ctx, found.shown["votes"]);
  return found;
}

std::optional<json> FindDecisionJson(RequestContext& ctx, const std::string& id, bool lock) {
  auto found = FindDecision(ctx, id, lock, true);
  if (!found) return std::nullopt;
  return found->shown;
}

StatusOr<HttpResponse> ListDecisions(RequestContext& ctx) {
  CABILDO_ASSIGN_OR_RETURN(const RequestContext::Page page, ctx.ReadPage());
  CABILDO_ASSIGN_OR_RETURN(const std::vector<std::string> tenants, ctx.ReadTenants());
  CABILDO_ASSIGN_OR_RETURN(const After after, AfterOf(page));
  std::optional<std::string> since;
  if (!page.updated_since.empty()) since = page.updated_since;
  auto rows = plugin::Exec(
      ctx, "open_government.list_decisions",
      std::string("SELECT NOT (d.published OR $2), ") + kDecisionColumns +
          "WHERE d.tenant_id = ANY ($1::uuid[]) "
          "AND ($3::timestamptz IS NULL OR d.updated_at > $3::timestamptz) "
          "AND ($3::timestamptz IS NOT NULL OR (d.deleted_at IS NULL AND (d.published OR $2))) "
          "AND ($4::timestamptz IS NULL OR (d.updated_at, d.id) > ($4::timestamptz, $5::uuid)) "
          "ORDER BY d.updated_at, d.id LIMIT $6",
      plugin::PgArray(tenants), SeesDrafts(ctx), since, after.at, after.id, page.limit + 1);
  return plugin::PageOf(
      ctx, page, rows,
      [](const pqxx::row& row) { return DecisionSummary(row, 1, row[0].as<bool>()); }, &KeyOf);
}

StatusOr<HttpResponse> GetDecision(RequestContext& ctx) {
  auto found = FindDecision(ctx, ctx.PathParam("id"), false, SeesDrafts(ctx));
  if (!found) return NotFoundError(kDecisionNotFound);
  return HttpResponse::Json(200, found->shown);
}

StatusOr<HttpResponse> CreateDecision(RequestContext& ctx) {
  const json& body = ctx.Body();
  std::optional<std::string> date = OptString(body, "date");
  const std::optional<std::string> session_id = OptString(body, "session_id");
  if (session_id) {
    auto session = plugin::Exec(ctx, "open_government.session_date",
                                "SELECT held_on::text FROM open_government.sessions "
                                "WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL",
                                ctx.tenant_id(), *session_id);
    if (session.empty()) {
      return ctx.FieldErrors({{"session_id", "No existe esa sesión en este Secretariado."}});
    }
    if (!date) date = session[0][0].as<std::string>();
  }
  std::optional<int> quorum;
  if (auto q = body.find("quorum"); q != body.end() && !q->is_null()) quorum = q->get<int>();
  const std::string id =
      plugin::Exec1(ctx, "open_government.insert_decision",
                    "INSERT INTO open_government.decisions (tenant_id, title, rule, quorum, "
                    "session_id, decided_on, published, updated_at) VALUES ($1, $2, $3, $4, "
                    "$5::uuid, COALESCE($6::date, " OG_TODAY
                    "), $7, clock_timestamp()) "
                    "RETURNING id::text",
                    ctx.tenant_id(), body["title"].get<std::string>(),
                    body["rule"].get<std::string>(), quorum, session_id, date,
                    body.value("published", false))[0]
          .as<std::string>();
  const json decision = *FindDecisionJson(ctx, id, false);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("decision.create", "decision", id, json::object(), decision));
  return HttpResponse::Json(201, decision);
}

StatusOr<HttpResponse> UpdateDecision(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  return plugin::ApplyChange(
      ctx, {.action = "decision.update",
            .entity = "decision",
            .id = id,
            .find = [&ctx, id](bool lock) { return FindDecisionJson(ctx, id, lock); },
            .write = [&ctx, id](const json& before) -> Written {
              if (before["closed"].get<bool>()) return AlreadyExistsError(kClosed);
              const json& body = ctx.Body();
              plugin::Exec(ctx, "open_government.update_decision",
                           "UPDATE open_government.decisions SET title = $3, published = $4, "
                           "updated_at = clock_timestamp() "
                           "WHERE tenant_id = $1 AND id = $2::uuid",
                           ctx.tenant_id(), id,
                           body.value("title", before["title"].get<std::string>()),
                           body.value("published", before["published"].get<bool>()));
              return Written(std::nullopt);
            },
            .not_found = kDecisionNotFound});
}

// One vote, checked by decision_rules' CheckVote against the members current
// on the decision's date and the votes already cast (the decision row is
// locked, so votes on one decision are cast one at a time).
StatusOr<HttpResponse> CastVoteRoute(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  const json& body = ctx.Body();
  auto found = FindDecision(ctx, id, /*lock=*/true, /*drafts=*/true);
  if (!found) return NotFoundError(kDecisionNotFound);
  if (found->closed) return AlreadyExistsError(kClosed);
  const std::string member_id = body["member_id"].get<std::string>();
  std::vector<CastVote> cast;
  for (const json& vote : found->shown["votes"]) {
    cast.push_back({vote["member_id"].get<std::string>(), vote["vote"].get<std::string>()});
  }
  const VoteCheck check = CheckVote(VotersOn(ctx, found->date), cast, member_id);
  if (check.http_status == 409) return AlreadyExistsError(check.message);
  if (!check.ok()) return ctx.FieldErrors({{"member_id", check.message}});
  const std::string vote_id =
      plugin::Exec1(ctx, "open_government.insert_vote",
                    "INSERT INTO open_government.votes (tenant_id, decision_id, member_id, vote) "
                    "VALUES ($1, $2::uuid, $3::uuid, $4) RETURNING id::text",
                    ctx.tenant_id(), id, member_id, body["vote"].get<std::string>())[0]
          .as<std::string>();
  plugin::Exec(ctx, "open_government.touch_decision",
               "UPDATE open_government.decisions SET updated_at = clock_timestamp() "
               "WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id);
  const json after = *FindDecisionJson(ctx, id, false);
  json cast_vote;
  for (const json& vote : after["votes"]) {
    if (vote["id"] == vote_id) cast_vote = vote;
  }
  CABILDO_RETURN_IF_ERROR(ctx.Audit("decision.vote", "decision", id,
                                    json{{"vote", cast_vote},
                                         {"before", {{"outcome", found->shown["outcome"]}}},
                                         {"after", {{"outcome", after["outcome"]}}}}));
  return HttpResponse::Json(201, after);
}

// Closing freezes the votes and the outcome under the rule (stored in
// decisions.result): from then on the decision never changes.
StatusOr<HttpResponse> CloseDecision(RequestContext& ctx) {
  const std::string id = ctx.PathParam("id");
  auto found = FindDecision(ctx, id, /*lock=*/true, /*drafts=*/true);
  if (!found) return NotFoundError(kDecisionNotFound);
  if (found->closed) return AlreadyExistsError(kClosed);
  const json tally = Tally(ctx, id, found->rule, found->quorum, found->date, /*closed=*/true);
  plugin::Exec(ctx, "open_government.close_decision",
               "UPDATE open_government.decisions SET closed_at = now(), result = $3::jsonb, "
               "updated_at = clock_timestamp() WHERE tenant_id = $1 AND id = $2::uuid",
               ctx.tenant_id(), id, tally.dump());
  const json after = *FindDecisionJson(ctx, id, false);
  CABILDO_RETURN_IF_ERROR(ctx.Audit("decision.close", "decision", id, found->shown, after));
  return HttpResponse::Json(200, after);
}

}  // namespace

void RegisterSecretariat(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  registrar.AddPermission(kSecretariatRead,
                          "Leer todo el Secretariado Técnico Local, borradores incluidos",
                          {"editor", "admin", "auditor"});
  auto uuid = [](const char* name, const char* what) {
    return plugin::PathParam{.name = name, .type = plugin::ParamType::kUuid, .description = what};
  };
  const std::vector<plugin::PathParam> member_id = {uuid("id", "Id (UUID) del integrante.")};
  const std::vector<plugin::PathParam> session_id = {uuid("id", "Id (UUID) de la sesión.")};
  const std::vector<plugin::PathParam> decision_id = {uuid("id", "Id (UUID) de la decisión.")};
  const json boolean = {{"type", "boolean"}};
  const std::string drafts =
      "Anónimos ven solo lo publicado y no borrado; con open-government.secretariat.write o "
      ".read (editor, admin, auditor), también borradores. Orden estable (updated_at, id); con "
      "updated_since incluye marcas de borrado (deleted: true) de lo borrado y, para quien no ve "
      "borradores, de lo no publicado.";

  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/secretariat/members",
       .operation_id = "openGovernmentListMembers",
       .summary = "Listar integrantes del Secretariado Técnico Local",
       .description = drafts + " current indica si el integrante está vigente hoy.",
       .query = {{.name = "current",
                  .schema = boolean,
                  .description = "true: solo vigentes hoy; false: solo no vigentes."}},
       .paged = true,
       .descendants = true,
       .response_body = "OpenGovernmentMemberPage",
       .handler = &ListMembers});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/secretariat/members",
       .permission = kSecretariatWrite,
       .operation_id = "openGovernmentCreateMember",
       .summary = "Registrar un integrante",
       .description = "Un suplente indica alternate_of, el id de un titular de este mismo ente; "
                      "until no puede ser anterior a since. Errores: 422 por campo.",
       .request_body = "OpenGovernmentMemberInput",
       .response_body = "OpenGovernmentMember",
       .success_status = 201,
       .handler = &CreateMember});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/secretariat/members/{id}",
                      .operation_id = "openGovernmentGetMember",
                      .summary = "Obtener un integrante",
                      .path_params = member_id,
                      .response_body = "OpenGovernmentMember",
                      .handler = &GetMember});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/secretariat/members/{id}",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentUpdateMember",
                      .summary = "Editar un integrante",
                      .description = "Solo cambian los campos enviados; el resultado cumple las "
                                     "reglas del alta. Un titular con suplentes no cambia de "
                                     "calidad (422 en seat).",
                      .path_params = member_id,
                      .request_body = "OpenGovernmentMemberPatch",
                      .response_body = "OpenGovernmentMember",
                      .if_match = true,
                      .handler = &UpdateMember});
  registrar.AddRoute(
      {.method = HttpMethod::kDelete,
       .path = "/secretariat/members/{id}",
       .permission = kSecretariatWrite,
       .operation_id = "openGovernmentDeleteMember",
       .summary = "Dar de baja un integrante (queda una marca de borrado)",
       .description = "Deja de estar vigente: sus votos en decisiones abiertas dejan de contar; "
                      "las decisiones cerradas no cambian.",
       .path_params = member_id,
       .success_status = 204,
       .if_match = true,
       .handler = &DeleteMember});

  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/secretariat/sessions",
                      .operation_id = "openGovernmentListSessions",
                      .summary = "Listar sesiones con sus acuerdos",
                      .description = drafts,
                      .paged = true,
                      .descendants = true,
                      .response_body = "OpenGovernmentSessionPage",
                      .handler = &ListSessions});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/secretariat/sessions",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentCreateSession",
                      .summary = "Registrar una sesión con sus acuerdos",
                      .request_body = "OpenGovernmentSessionInput",
                      .response_body = "OpenGovernmentSession",
                      .success_status = 201,
                      .handler = &CreateSession});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/secretariat/sessions/{id}",
                      .operation_id = "openGovernmentGetSession",
                      .summary = "Obtener una sesión con sus acuerdos",
                      .path_params = session_id,
                      .response_body = "OpenGovernmentSession",
                      .handler = &GetSession});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/secretariat/sessions/{id}",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentUpdateSession",
                      .summary = "Editar una sesión (fecha, tipo, acta, publicación)",
                      .path_params = session_id,
                      .request_body = "OpenGovernmentSessionPatch",
                      .response_body = "OpenGovernmentSession",
                      .if_match = true,
                      .handler = &UpdateSession});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/secretariat/sessions/{session_id}/agreements",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentAddAgreement",
                      .summary = "Agregar un acuerdo a una sesión",
                      .description = "Responde la sesión con todos sus acuerdos.",
                      .path_params = {uuid("session_id", "Id (UUID) de la sesión.")},
                      .request_body = "OpenGovernmentAgreementInput",
                      .response_body = "OpenGovernmentSession",
                      .success_status = 201,
                      .handler = &AddAgreement});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/secretariat/sessions/{session_id}/agreements/{id}",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentUpdateAgreement",
                      .summary = "Editar un acuerdo (por ejemplo, darlo por cumplido)",
                      .path_params = {uuid("session_id", "Id (UUID) de la sesión."),
                                      uuid("id", "Id (UUID) del acuerdo.")},
                      .request_body = "OpenGovernmentAgreementPatch",
                      .response_body = "OpenGovernmentAgreement",
                      .if_match = true,
                      .handler = &UpdateAgreement});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/secretariat/agreements",
       .operation_id = "openGovernmentListAgreements",
       .summary = "Listar acuerdos de las sesiones (por ejemplo, los vencidos)",
       .description = "Acuerdos de sesiones publicadas (con permiso de lectura o escritura, "
                      "también de borradores). overdue: no cumplido y con fecha compromiso "
                      "anterior a hoy (hora del centro de México). Orden estable (updated_at, id).",
       .query = {{.name = "overdue",
                  .schema = boolean,
                  .description = "true: solo los vencidos; false: solo los no vencidos."}},
       .paged = true,
       .descendants = true,
       .response_body = "OpenGovernmentAgreementPage",
       .handler = &ListAgreements});

  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/secretariat/decisions",
                      .operation_id = "openGovernmentListDecisions",
                      .summary = "Listar decisiones (sin sus votos)",
                      .description = drafts,
                      .paged = true,
                      .descendants = true,
                      .response_body = "OpenGovernmentDecisionPage",
                      .handler = &ListDecisions});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/secretariat/decisions",
       .permission = kSecretariatWrite,
       .operation_id = "openGovernmentCreateDecision",
       .summary = "Abrir una decisión a votación",
       .description =
           "rule: simple_majority (más votos a favor que en contra entre quienes votaron) o "
           "civil_society_majority (regla de Morelos: además, al menos un voto a favor contado "
           "debe ser de un asiento de la sociedad civil; si no, se rechaza aunque la mayoría "
           "simple la aprobaría). quorum: asientos que deben votar; por omisión, más de la mitad "
           "de los asientos titulares vigentes en la fecha de la decisión (un suplente que vota "
           "por su titular ausente cuenta por ese asiento).",
       .request_body = "OpenGovernmentDecisionInput",
       .response_body = "OpenGovernmentDecision",
       .success_status = 201,
       .handler = &CreateDecision});
  registrar.AddRoute({.method = HttpMethod::kGet,
                      .path = "/secretariat/decisions/{id}",
                      .operation_id = "openGovernmentGetDecision",
                      .summary = "Obtener una decisión con cada voto y su resultado",
                      .description = "Cada voto con su integrante (nombre, sector, calidad) y si "
                                     "cuenta o fue reemplazado; el resultado según la regla, con "
                                     "los conteos y una explicación en español.",
                      .path_params = decision_id,
                      .response_body = "OpenGovernmentDecision",
                      .handler = &GetDecision});
  registrar.AddRoute({.method = HttpMethod::kPatch,
                      .path = "/secretariat/decisions/{id}",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentUpdateDecision",
                      .summary = "Editar el título o la publicación de una decisión abierta",
                      .description = "Una decisión cerrada ya no cambia: 409.",
                      .path_params = decision_id,
                      .request_body = "OpenGovernmentDecisionPatch",
                      .response_body = "OpenGovernmentDecision",
                      .if_match = true,
                      .handler = &UpdateDecision});
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/secretariat/decisions/{id}/votes",
       .permission = kSecretariatWrite,
       .operation_id = "openGovernmentCastVote",
       .summary = "Registrar un voto",
       .description =
           "Vota un integrante vigente en la fecha de la decisión. 422 en member_id: no es "
           "integrante de este ente, no está vigente, tiene solo voz, es suplente y su titular ya "
           "votó (o no está vigente, u otro suplente ya votó por ese asiento). El voto posterior "
           "del titular reemplaza al de su suplente. Un segundo voto del mismo integrante: 409. "
           "Decisión cerrada: 409. Responde la decisión con sus votos y resultado.",
       .path_params = decision_id,
       .request_body = "OpenGovernmentVoteInput",
       .response_body = "OpenGovernmentDecision",
       .success_status = 201,
       .handler = &CastVoteRoute});
  registrar.AddRoute({.method = HttpMethod::kPost,
                      .path = "/secretariat/decisions/{id}/close",
                      .permission = kSecretariatWrite,
                      .operation_id = "openGovernmentCloseDecision",
                      .summary = "Cerrar la votación de una decisión",
                      .description = "Fija los votos y el resultado; después la decisión no "
                                     "cambia (votos y ediciones: 409; cerrarla otra vez: 409).",
                      .path_params = decision_id,
                      .response_body = "OpenGovernmentDecision",
                      .handler = &CloseDecision});
}

}  // namespace cabildo::plugins::open_government
