// The open-government module's parts, each registering its own routes:
// the Secretariat (secretariat.cc), the plan and its commitments (plans.cc),
// the public monitoring (dashboard.cc). Pure rules live beside them
// (decision_rules.h, progress.h) and are unit-tested without a server.
#pragma once

#include "cabildo/plugin/plugin_api.h"

namespace cabildo::plugins::open_government {

/// Members, sessions and agreements, decisions and votes.
inline constexpr const char* kSecretariatWrite = "open-government.secretariat.write";
/// Plans, commitments and milestones.
inline constexpr const char* kPlanWrite = "open-government.plan.write";
/// Reading draft plans, commitments and milestones (editor, admin, auditor).
inline constexpr const char* kPlanRead = "open-government.plan.read";

void RegisterSecretariat(plugin::PluginRegistrar& registrar);
void RegisterPlans(plugin::PluginRegistrar& registrar);
void RegisterDashboard(plugin::PluginRegistrar& registrar);

}  // namespace cabildo::plugins::open_government
