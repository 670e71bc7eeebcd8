// RAD-ChestCT's label CSV: NoteAcc_DEID and the <abnormality>*<location> columns, 0 / 1 values.
#include "fuzz_input.h"
#include "unict/data/radchestct.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = unict::fuzz::write_input("radchestct/imgtrain_Abnormality_and_Location_Labels.csv", unict::fuzz::as_text(data, size));
  unict::fuzz::refused_only_with_errors([&] { unict::data::load_radchestct(file.parent_path()); });
  return 0;
}
