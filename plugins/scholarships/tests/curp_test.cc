// Skeleton: the CURP rules' tests come with the applications branch.
#include <gtest/gtest.h>
