// The records: create and edit drafts, read one, withdraw (baja).
// Owner while issue 18 is built: "records" (see /work/notes/pr-spec.md).
//
// A record is a working copy (procedures.draft + the homoclave column) that
// only writers see and edit, and the immutable versions it was published as
// (publishing.cc), which are all the public ever reads. So PATCH touches the
// working copy only; DELETE is a withdrawal that closes the current version
// and leaves a tombstone, never a deletion: the history stays readable.
//
// The schemas (schemas/ProcedureRegistryProcedure{Input,Patch}.json and their
// children) bound and type every field and reject unknown ones before a
// handler runs; CheckRecord keeps only what a schema cannot say.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabildo/plugin/values.h"

#include "procedure_registry.h"

namespace cabildo::plugins::procedure_registry {
namespace {

using nlohmann::json;
using plugin::FieldError;
using plugin::HttpResponse;
using plugin::RequestContext;

// Every field of the record a client writes, homoclave apart (its own
// column). Everything else a client sends back from a GET is read-only,
// accepted by the schemas and ignored here.
constexpr std::array<std::string_view, 28> kWritable = {"kind",
                                                        "audience",
                                                        "name",
                                                        "description",
                                                        "agency",
                                                        "category",
                                                        "keywords",
                                                        "legal_basis",
                                                        "modalities",
                                                        "cases",
                                                        "steps",
                                                        "requirements",
                                                        "submission_channel",
                                                        "online",
                                                        "online_url",
                                                        "form",
                                                        "inspection",
                                                        "resolution_term",
                                                        "tacit_resolution",
                                                        "prevention_terms",
                                                        "cost",
                                                        "payment_methods",
                                                        "validity",
                                                        "resolution_criteria",
                                                        "offices",
                                                        "contact_channels",
                                                        "records_to_keep",
                                                        "metadata"};

bool IsWritableDraftField(const std::string& key) {
  for (std::string_view field : kWritable) {
    if (key == field) return true;
  }
  return false;
}

// 3..40 of A-Z, 0-9 and '-', neither first nor last a hyphen ("MDGO-DU-001").
bool IsHomoclave(std::string_view text) {
  if (text.size() < 3 || text.size() > 40 || text.front() == '-' || text.back() == '-') {
    return false;
  }
  for (const char c : text) {
    if (!(plugin::IsAsciiUpper(c) || plugin::IsAsciiDigit(c) || c == '-')) return false;
  }
  return true;
}

constexpr const char* kHomoclaveMessage =
    "La homoclave lleva de 3 a 40 caracteres: letras mayúsculas sin acentos, dígitos y "
    "guiones (sin guion al inicio ni al final), por ejemplo \"MDGO-DU-001\".";

// The rules across fields of a whole working copy `draft` (after a PATCH is
// merged) with its `homoclave`. Each field already has its type, bounds and
// format (the schemas), so only the relations are checked here.
std::vector<FieldError> CheckRecord(const json& draft, const std::string& homoclave) {
  std::vector<FieldError> errors;
  if (!IsHomoclave(homoclave)) errors.push_back({"homoclave", kHomoclaveMessage});
  if (auto it = draft.find("requirements"); it != draft.end() && it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      const json& requirement = (*it)[i];
      auto prerequisite = requirement.find("prerequisite_homoclave");
      if (prerequisite != requirement.end() && prerequisite->is_string() &&
          !IsHomoclave(prerequisite->get_ref<const std::string&>())) {
        errors.push_back(
            {"requirements[" + std::to_string(i) + "].prerequisite_homoclave", kHomoclaveMessage});
      }
    }
  }
  if (draft.value("online", false) == true &&
      !(draft.contains("online_url") && draft["online_url"].is_string())) {
    errors.push_back({"online_url",
                      "Si el trámite se hace en línea (online: true), indique la dirección web "
                      "donde se hace (online_url)."});
  }
  if (auto cost = draft.find("cost"); cost != draft.end() && cost->is_object()) {
    auto amount = cost->find("amount_mxn");
    if (cost->value("free", false) == true && amount != cost->end() && amount->is_string()) {
      const std::optional<int64_t> centavos =
          plugin::ParseCentavos(amount->get_ref<const std::string&>());
      if (centavos && *centavos > 0) {
        errors.push_back({"cost.amount_mxn",
                          "Un trámite gratuito (cost.free: true) no puede tener un monto mayor "
                          "que 0; quite el monto o indique que no es gratuito."});
      }
    }
  }
  return errors;
}

// The working copy as the schemas' body says it: the writable fields of
// `body` over `base` (a field sent as null is removed: "no data").
json MergeDraft(json base, const json& body) {
  for (const auto& [key, value] : body.items()) {
    if (!IsWritableDraftField(key)) continue;
    if (value.is_null()) {
      base.erase(key);
    } else {
      base[key] = value;
    }
  }
  return base;
}

// The stored draft of a record rendered by kDraftItemJson: without the
// columns the rendering adds.
json StoredDraft(const json& rendered) {
  json draft = json::object();
  for (const auto& [key, value] : rendered.items()) {
    if (IsWritableDraftField(key)) draft[key] = value;
  }
  return draft;
}

// The working copy `id` as writers read it; a withdrawn one too when
// `withdrawn` (so PATCH can say 409 instead of 404); a discarded draft never.
std::optional<json> FindDraft(RequestContext& ctx, const std::string& id, bool lock,
                              bool withdrawn) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows = plugin::Exec(
      ctx, lock ? "procedure_registry.find_draft_for_update" : "procedure_registry.find_draft",
      std::string("SELECT ") + kDraftItemJson + kDraftFrom +
          "WHERE p.tenant_id = $1 AND p.id = $2::uuid "
          "AND (p.deleted_at IS NULL OR ($3 AND p.status = 'withdrawn'))" +
          (lock ? " FOR UPDATE OF p" : ""),
      ctx.tenant_id(), id, withdrawn);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].as<std::string>());
}

// The current published version of record `id` as the public reads it
// (none for a draft never published and for a withdrawn record).
std::optional<json> FindPublic(RequestContext& ctx, const std::string& id) {
  if (!plugin::IsLowerUuid(id)) return std::nullopt;
  auto rows = plugin::Exec(ctx, "procedure_registry.find_public",
                           std::string("SELECT ") + kPublicItemJson + kPublicFrom +
                               "AND v.tenant_id = $1 AND v.procedure_id = $2::uuid",
                           ctx.tenant_id(), id);
  if (rows.empty()) return std::nullopt;
  return json::parse(rows[0][0].as<std::string>());
}

Status DuplicateHomoclave(const std::string& homoclave) {
  return AlreadyExistsError("Ya existe un trámite o servicio con la homoclave " + homoclave +
                            " en este ente (las fichas dadas de baja la conservan). Use otra "
                            "homoclave.");
}

// Whether another record of the tenant (withdrawn and discarded ones count:
// the column is unique for ever) has `homoclave`.
bool HomoclaveTaken(RequestContext& ctx, const std::string& homoclave, const std::string& id) {
  return !plugin::Exec(ctx, "procedure_registry.homoclave_taken",
                       "SELECT 1 FROM procedure_registry.procedures "
                       "WHERE tenant_id = $1 AND homoclave = $2 AND id <> $3::uuid",
                       ctx.tenant_id(), homoclave, id)
              .empty();
}

StatusOr<HttpResponse> GetProcedure(RequestContext& ctx) {
  const std::string& id = ctx.PathParam("id");
  auto record = SeesDrafts(ctx) ? FindDraft(ctx, id, false, false) : FindPublic(ctx, id);
  if (!record) return NotFoundError(kNotFound);
  return HttpResponse::Json(200, *record);
}

StatusOr<HttpResponse> CreateProcedure(RequestContext& ctx) {
  const json& body = ctx.Body();
  const std::string& homoclave = body["homoclave"].get_ref<const std::string&>();
  const json draft = MergeDraft(json::object(), body);
  if (auto errors = CheckRecord(draft, homoclave); !errors.empty()) return ctx.FieldErrors(errors);
  // The unique (tenant_id, homoclave) decides, race-free: a concurrent
  // create of the same homoclave waits for this one and inserts nothing.
  auto rows =
      plugin::Exec(ctx, "procedure_registry.insert",
                   "INSERT INTO procedure_registry.procedures (tenant_id, homoclave, draft) "
                   "VALUES ($1, $2, $3::jsonb) "
                   "ON CONFLICT (tenant_id, homoclave) DO NOTHING RETURNING id::text",
                   ctx.tenant_id(), homoclave, draft.dump());
  if (rows.empty()) return DuplicateHomoclave(homoclave);
  const std::string id = rows[0][0].as<std::string>();
  auto created = FindDraft(ctx, id, false, false);
  if (!created) return InternalError("La ficha recién creada no se pudo volver a leer.");
  CABILDO_RETURN_IF_ERROR(ctx.Audit("procedure.create", "procedure", id, json::object(), *created));
  return HttpResponse::Json(201, *created);
}

using Written = StatusOr<std::optional<HttpResponse>>;

plugin::Change ProcedureChange(RequestContext& ctx, const std::string& action, bool withdrawn,
                               std::function<Written(const json& before)> write) {
  const std::string id = ctx.PathParam("id");
  return {.action = action,
          .entity = "procedure",
          .id = id,
          .find = [&ctx, id, withdrawn](bool lock) { return FindDraft(ctx, id, lock, withdrawn); },
          .write = std::move(write),
          .not_found = kNotFound};
}

// PATCH's write: the body merged over the working copy, checked, stored.
Written WriteDraft(RequestContext& ctx, const json& before) {
  if (before["status"] == "withdrawn") {
    return AlreadyExistsError(
        "La ficha está dada de baja y ya no se edita; su historial de versiones sigue "
        "publicado.");
  }
  const json& body = ctx.Body();
  const json draft = MergeDraft(StoredDraft(before), body);
  const std::string homoclave = body.contains("homoclave") ? body["homoclave"].get<std::string>()
                                                           : before["homoclave"].get<std::string>();
  if (auto errors = CheckRecord(draft, homoclave); !errors.empty()) {
    return Written(ctx.FieldErrors(errors));
  }
  const std::string& id = ctx.PathParam("id");
  if (homoclave != before["homoclave"] && HomoclaveTaken(ctx, homoclave, id)) {
    return DuplicateHomoclave(homoclave);
  }
  try {
    plugin::Exec(ctx, "procedure_registry.update_draft",
                 "UPDATE procedure_registry.procedures SET homoclave = $3, draft = $4::jsonb, "
                 "updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid",
                 ctx.tenant_id(), id, homoclave, draft.dump());
  } catch (const pqxx::unique_violation&) {
    // Taken between the check and the write by a concurrent request; the
    // transaction is rolled back with this answer.
    return DuplicateHomoclave(homoclave);
  }
  return Written(std::nullopt);
}

// The working copy only: the published version stays as it was until the
// next publication, and the status does not move.
StatusOr<HttpResponse> UpdateProcedure(RequestContext& ctx) {
  return plugin::ApplyChange(
      ctx, ProcedureChange(ctx, "procedure.update", /*withdrawn=*/true,
                           [&ctx](const json& before) { return WriteDraft(ctx, before); }));
}

// Baja. A published record becomes "withdrawn": its current version closes
// (valid_until = now; every version stays readable), and the public list's
// sync sees a tombstone (public_updated_at = now). A draft never published
// is only discarded (deleted_at), a tombstone for writers' sync.
StatusOr<HttpResponse> WithdrawProcedure(RequestContext& ctx) {
  plugin::Change change = ProcedureChange(
      ctx, "procedure.withdraw", /*withdrawn=*/false, [&ctx](const json& before) -> Written {
        const std::string& id = ctx.PathParam("id");
        if (before["published_version"].is_null()) {
          plugin::Exec(ctx, "procedure_registry.discard_draft",
                       "UPDATE procedure_registry.procedures SET deleted_at = now(), "
                       "updated_at = now() WHERE tenant_id = $1 AND id = $2::uuid",
                       ctx.tenant_id(), id);
          return Written(std::nullopt);
        }
        plugin::Exec(ctx, "procedure_registry.withdraw",
                     "UPDATE procedure_registry.procedures SET status = 'withdrawn', "
                     "deleted_at = now(), public_updated_at = now(), updated_at = now() "
                     "WHERE tenant_id = $1 AND id = $2::uuid",
                     ctx.tenant_id(), id);
        plugin::Exec(ctx, "procedure_registry.close_current_version",
                     "UPDATE procedure_registry.versions SET valid_until = now() "
                     "WHERE tenant_id = $1 AND procedure_id = $2::uuid AND valid_until IS NULL",
                     ctx.tenant_id(), id);
        return Written(std::nullopt);
      });
  change.deletes = true;
  return plugin::ApplyChange(ctx, change);
}

}  // namespace

void RegisterRecords(plugin::PluginRegistrar& registrar) {
  using plugin::HttpMethod;
  const std::vector<plugin::PathParam> id = {
      {.name = "id", .description = "Id (UUID) de la ficha del trámite o servicio."}};
  registrar.AddRoute(
      {.method = HttpMethod::kPost,
       .path = "/procedures",
       .permission = kWrite,
       .operation_id = "procedureRegistryCreateProcedure",
       .summary = "Registrar una ficha de trámite o servicio (borrador)",
       .description =
           "La ficha se crea como borrador (status draft, published_version null): el público no "
           "la ve hasta que se publique. Basta con homoclave, kind y name; la ley (art. 46 de la "
           "Ley General de Mejora Regulatoria) exige el resto solo al publicar. La homoclave es "
           "única en el ente: si ya existe, aunque la ficha esté dada de baja, responde 409 y no "
           "guarda nada. Reglas entre campos (422): online true exige online_url; una ficha "
           "gratuita (cost.free true) no lleva cost.amount_mxn mayor que 0.",
       .request_body = "ProcedureRegistryProcedureInput",
       .response_body = "ProcedureRegistryProcedure",
       .success_status = 201,
       .handler = &CreateProcedure});
  registrar.AddRoute(
      {.method = HttpMethod::kGet,
       .path = "/procedures/{id}",
       .operation_id = "procedureRegistryGetProcedure",
       .summary = "Obtener una ficha de trámite o servicio",
       .description =
           "Anónimos y quien no tiene procedure-registry.procedure.read ven la versión publicada "
           "vigente (404 si nunca se publicó o está dada de baja; sus versiones siguen en "
           "/procedures/{id}/versions). Editores, administradores y auditores ven la copia de "
           "trabajo, con los cambios aún no publicados (404 si está dada de baja).",
       .path_params = id,
       .response_body = "ProcedureRegistryProcedure",
       .handler = &GetProcedure});
  registrar.AddRoute(
      {.method = HttpMethod::kPatch,
       .path = "/procedures/{id}",
       .permission = kWrite,
       .operation_id = "procedureRegistryUpdateProcedure",
       .summary = "Editar el borrador de una ficha",
       .description =
           "Cambia solo la copia de trabajo: lo que ve el público (la versión publicada) no cambia "
           "hasta la siguiente publicación, y el status tampoco. Solo cambian los campos enviados; "
           "un objeto o una lista enviados reemplazan completos a los anteriores y null borra el "
           "dato. La homoclave puede cambiar (409 si otra ficha del ente ya la tiene). Una ficha "
           "dada de baja no se edita (409).",
       .path_params = id,
       .request_body = "ProcedureRegistryProcedurePatch",
       .response_body = "ProcedureRegistryProcedure",
       .if_match = true,
       .handler = &UpdateProcedure});
  registrar.AddRoute(
      {.method = HttpMethod::kDelete,
       .path = "/procedures/{id}",
       .permission = kWrite,
       .operation_id = "procedureRegistryWithdrawProcedure",
       .summary = "Dar de baja una ficha",
       .description =
           "Una ficha publicada pasa a status withdrawn: deja el catálogo público (en las listas "
           "con updated_since aparece como marca de borrado, deleted: true) y su versión vigente "
           "se cierra (valid_until); todas sus versiones siguen consultables en "
           "/procedures/{id}/versions y su homoclave no se reutiliza. Un borrador nunca publicado "
           "solo se descarta (queda como marca de borrado para quien ve borradores).",
       .path_params = id,
       .success_status = 204,
       .if_match = true,
       .handler = &WithdrawProcedure});
}

}  // namespace cabildo::plugins::procedure_registry
