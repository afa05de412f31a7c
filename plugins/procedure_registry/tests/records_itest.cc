// Owner while issue 18 is built: "records" (see /work/notes/pr-spec.md).
#include "procedure_registry_fixture.h"
