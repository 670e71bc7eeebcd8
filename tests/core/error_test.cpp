#include "unict/core/error.h"

#include <gtest/gtest.h>

namespace unict {
namespace {

TEST(Error, ComposesEveryPieceOfContextIntoOneLine) {
  Error e = Error("invalid value").file("configs/a.yaml").line(12).key("train.lr").value("-1").expected("a float in (0, 1]").hint("did you mean 0.1?");
  EXPECT_STREQ(e.what(), "configs/a.yaml:12: key 'train.lr': invalid value '-1'; expected a float in (0, 1] (did you mean 0.1?)");
  EXPECT_EQ(e.kind(), ErrorKind::user);
  EXPECT_EQ(e.file_path(), "configs/a.yaml");
  EXPECT_EQ(e.line_number(), 12);
  EXPECT_EQ(e.key_path(), "train.lr");
}

TEST(Error, LeavesOutWhatIsNotKnown) {
  EXPECT_STREQ(Error("cannot open: No such file or directory").file("x.nii.gz").what(), "x.nii.gz: cannot open: No such file or directory");
  EXPECT_STREQ(Error("boom").what(), "boom");
  EXPECT_STREQ(Error("empty value").value("").what(), "empty value ''");
}

TEST(Error, InternalErrorsAreMarkedAsSuch) {
  EXPECT_EQ(internal_error("broken invariant").kind(), ErrorKind::internal);
}

TEST(Error, IsCatchableAsStdException) {
  try {
    throw Error("bad").key("k");
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "key 'k': bad");
  }
}

}  // namespace
}  // namespace unict
