#include "app.h"

int main(int argc, char** argv) { return unict::cli::run(argc, argv); }
