// Owner while issue 18 is built: "exports" (see /work/notes/pr-spec.md).
#include "procedure_registry_fixture.h"
