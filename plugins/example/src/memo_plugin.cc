// A second, minimal test module (`memo`): its migrations, permissions and
// routes must not interfere with the example module's.
#include <utility>

#include "cabildo/plugin/plugin_api.h"

#include "cabildo_plugin_memo_migrations.inc"

namespace cabildo::plugins::memo {
namespace {

using nlohmann::json;

StatusOr<plugin::HttpResponse> CountMemos(plugin::RequestContext& ctx) {
  auto count = ctx.Db()
                   .exec_params("SELECT count(*) FROM memo.memos WHERE tenant_id = $1",
                                ctx.tenant_id())[0][0]
                   .as<int64_t>();
  return plugin::HttpResponse::Json(200, {{"count", count}});
}

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission("memo.entry.write", "Escribir memos", {"reviewer"});
  for (const auto& [name, sql] : kEmbeddedMigrations) registrar.AddMigration(name, sql);
  registrar.AddRoute({plugin::HttpMethod::kGet, "/count", "", &CountMemos});
  registrar.SetOpenApi(json::parse(R"oa({
    "/count": {"get": {"operationId": "memoCount", "summary": "Contar memos", "security": [],
      "responses": {"200": {"description": "El total.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["count"], "properties": {"count": {"type": "integer"}}}}}},
        "404": {"$ref": "#/components/responses/NotFound"},
        "503": {"$ref": "#/components/responses/ServiceUnavailable"}}}}})oa"),
                       json::object());
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::memo

CABILDO_PLUGIN("memo", "0.1.0", "Memos de prueba", "0.1.0", "1.0.0", &cabildo::plugins::memo::Init);
