// A second, minimal test module (`memo`): its migrations, permissions and
// routes must not interfere with the example module's.
#include <utility>

#include "cabildo/plugin/plugin_api.h"

#include "cabildo_plugin_memo_embedded.inc"

namespace cabildo::plugins::memo {
namespace {

StatusOr<plugin::HttpResponse> CountMemos(plugin::RequestContext& ctx) {
  auto count = ctx.Db()
                   .exec_params("SELECT count(*) FROM memo.memos WHERE tenant_id = $1",
                                ctx.tenant_id())[0][0]
                   .as<int64_t>();
  return plugin::HttpResponse::Json(200, {{"count", count}});
}

Status Init(plugin::PluginRegistrar& registrar) {
  registrar.AddPermission("memo.entry.write", "Escribir memos", {"reviewer"});
  RegisterEmbeddedFiles(registrar);
  registrar.AddRoute({.method = plugin::HttpMethod::kGet,
                      .path = "/count",
                      .operation_id = "memoCount",
                      .summary = "Contar memos",
                      .response_body = "MemoCount",
                      .handler = &CountMemos});
  return OkStatus();
}

}  // namespace
}  // namespace cabildo::plugins::memo

CABILDO_PLUGIN("memo", "0.1.0", "Memos de prueba", "0.1.0", "1.0.0", &cabildo::plugins::memo::Init);
