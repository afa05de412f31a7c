// Owner while issue 18 is built: "search" (see /work/notes/pr-spec.md).
#include "procedure_registry_fixture.h"
