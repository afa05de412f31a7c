#!/usr/bin/env bash
# The typed client (clients/typescript) must match the OpenAPI document of
# this build and type-check: scripts/client --check.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "$ROOT/scripts/client" --check
