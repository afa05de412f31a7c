// Owner while issue 18 is built: "publish" (see /work/notes/pr-spec.md).
#include "legal.h"

#include <gtest/gtest.h>
