// The `cabildo` command line: serve, migrate, tenants apply.
#pragma once

namespace cabildo::api {

// Returns the process exit code: 0 ok, 1 the command failed, 2 usage error.
int RunCli(int argc, char** argv);

}  // namespace cabildo::api
