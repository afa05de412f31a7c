// Skeleton: this part's tests come with its branch.
#include "scholarships_fixture.h"
