// Owner while issue 18 is built: "publishing" (see /work/notes/pr-spec.md).
#include "procedure_registry_fixture.h"
