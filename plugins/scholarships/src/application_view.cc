#include "application_view.h"

#include <algorithm>

#include "scholarships.h"

namespace cabildo::plugins::scholarships {

namespace {
using nlohmann::json;

constexpr const char* kPersonalFields[] = {"curp",
                                           "full_name",
                                           "birth_date",
                                           "sex",
                                           "address",
                                           "phone",
                                           "email",
                                           "school",
                                           "education_level",
                                           "gpa",
                                           "answers",
                                           "documents",
                                           "privacy_notice_accepted"};

// Row positions of kApplicationColumns.
enum Column {
  kId,
  kTenant,
  kCallId,
  kCallTitle,
  kApplicantId,
  kStatus,
  kScore,
  kDecisionNote,
  kDecidedAt,
  kSubmittedAt,
  kCreatedAt,
  kUpdatedAt,
  kPersonalData,
};

json TextOrNull(const pqxx::field& field) {
  return field.is_null() ? json(nullptr) : json(field.as<std::string>());
}
}  // namespace

json PersonalPart(const json& input) {
  json personal = json::object();
  for (const char* name : kPersonalFields) {
    if (auto it = input.find(name); it != input.end()) personal[name] = *it;
  }
  return personal;
}

StatusOr<std::string> SealApplicant(plugin::RequestContext& ctx, const json& personal,
                                    const std::string& application_id) {
  return ctx.SealPersonalData(personal.dump(), "application:" + application_id);
}

StatusOr<json> OpenApplicant(plugin::RequestContext& ctx, const std::string& sealed,
                             const std::string& application_id) {
  CABILDO_ASSIGN_OR_RETURN(std::string text,
                           ctx.OpenPersonalData(sealed, "application:" + application_id));
  json personal = json::parse(text, nullptr, false);
  if (!personal.is_object()) {
    return InternalError("Los datos personales de una solicitud no son un objeto JSON.");
  }
  return personal;
}

StatusOr<std::string> CurpDigest(plugin::RequestContext& ctx, const std::string& curp) {
  return ctx.PersonalDataDigest("curp", curp);
}

StatusOr<json> ApplicationJson(plugin::RequestContext& ctx, const pqxx::row& row) {
  const std::string id = row[kId].as<std::string>();
  CABILDO_ASSIGN_OR_RETURN(json item, OpenApplicant(ctx, row[kPersonalData].as<std::string>(), id));
  item["id"] = id;
  item["tenant"] = row[kTenant].as<std::string>();
  item["call_id"] = row[kCallId].as<std::string>();
  item["call_title"] = TextOrNull(row[kCallTitle]);
  item["status"] = row[kStatus].as<std::string>();
  item["score"] = row[kScore].is_null() ? json(nullptr) : json(row[kScore].as<double>());
  item["decision_note"] = TextOrNull(row[kDecisionNote]);
  item["decided_at"] = TextOrNull(row[kDecidedAt]);
  item["submitted_at"] = row[kSubmittedAt].as<std::string>();
  item["created_at"] = row[kCreatedAt].as<std::string>();
  item["updated_at"] = row[kUpdatedAt].as<std::string>();
  return item;
}

std::string ApplicantOf(const pqxx::row& row) { return row[kApplicantId].as<std::string>(); }

json AuditView(const json& application) {
  json view = json::object();
  for (const char* name : {"id", "call_id", "status", "score"}) {
    if (auto it = application.find(name); it != application.end()) view[name] = *it;
  }
  if (auto curp = application.find("curp"); curp != application.end() && curp->is_string()) {
    view["curp"] = MaskCurp(curp->get<std::string>());
  }
  return view;
}

std::string MaskCurp(std::string_view curp) {
  if (curp.size() != 18) return std::string(std::min<std::size_t>(curp.size(), 18), '*');
  std::string masked(curp);
  for (std::size_t i = 4; i < 10; ++i) masked[i] = '*';
  return masked;
}

std::string MaskPhone(std::string_view phone) {
  const std::size_t shown = phone.size() > 4 ? 4 : 0;
  std::string masked(std::min<std::size_t>(phone.size(), 20) - shown, '*');
  masked.append(phone.substr(phone.size() - shown));
  return masked;
}

std::string MaskEmail(std::string_view email) { return plugin::MaskEmail(email); }

}  // namespace cabildo::plugins::scholarships
