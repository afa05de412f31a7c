#include "cli.h"

int main(int argc, char** argv) { return cabildo::api::RunCli(argc, argv); }
