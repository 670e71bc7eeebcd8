#include <cstdlib>
#include <string_view>

#include "app.h"
#include "unict/core/malloc_tuning.h"

int main(int argc, char** argv) {
  // UNICT_DEFAULT_MALLOC=1 leaves glibc's own settings, for scripts/bench/step_time.sh to compare.
  const char* keep_default = std::getenv("UNICT_DEFAULT_MALLOC");
  if (keep_default == nullptr || std::string_view(keep_default) != "1") unict::core::keep_freed_tensor_memory();
  return unict::cli::run(argc, argv);
}
