#include <gtest/gtest.h>

#include <string>

#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

TEST(ContentType, ParsesSageMakerNames) {
  EXPECT_EQ(parse_content_type(""), ContentType::kAuto);
  EXPECT_EQ(parse_content_type("text/csv"), ContentType::kCsv);
  EXPECT_EQ(parse_content_type("text/libsvm"), ContentType::kLibsvm);
  EXPECT_EQ(parse_content_type("application/x-recordio-protobuf"), ContentType::kRecordIO);
  EXPECT_THROW(parse_content_type("application/json"), UsageError);
}

TEST(ContentType, TakesSageMakersParameters) {
  EXPECT_EQ(parse_content_type("text/csv;label_size=1"), ContentType::kCsv);
  EXPECT_EQ(parse_content_type("text/csv; charset=utf-8"), ContentType::kCsv);
  EXPECT_EQ(parse_content_type("Text/CSV; label_size=1; charset=UTF-8"), ContentType::kCsv);
  EXPECT_EQ(parse_content_type("text/x-libsvm; charset=us-ascii"), ContentType::kLibsvm);
  EXPECT_EQ(parse_content_type("application/x-recordio-protobuf;"), ContentType::kRecordIO);
}

TEST(ContentType, RefusesParametersItCannotHonour) {
  for (const char* bad : {"text/csv;label_size=2", "text/csv;label_size=0", "text/csv; header=present",
                          "text/csv; charset=utf-16", "application/x-recordio-protobuf;label_size=1"}) {
    SCOPED_TRACE(bad);
    try {
      parse_content_type(bad);
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(ContentType, DetectsRecordIOByMagic) {
  EXPECT_EQ(detect_content_type(std::string("\x0a\x23\xd7\xce\x10\x00\x00\x00", 8)), ContentType::kRecordIO);
  EXPECT_EQ(detect_content_type(std::string("\xce\xd7\x23\x0a", 4)), ContentType::kCsv);  // big-endian is not it
}

TEST(ContentType, DetectsLibsvmLines) {
  EXPECT_EQ(detect_content_type("1 3:0.5 7:1\n0 2:1\n"), ContentType::kLibsvm);
  EXPECT_EQ(detect_content_type("\xEF\xBB\xBF\n# made by hand\n-1\n+1 qid:2 4:1\n"), ContentType::kLibsvm);
}

TEST(ContentType, FallsBackToCsv) {
  EXPECT_EQ(detect_content_type("1,2,3\n"), ContentType::kCsv);
  EXPECT_EQ(detect_content_type("1\n0\n"), ContentType::kCsv);
  EXPECT_EQ(detect_content_type("1 2 3\n"), ContentType::kCsv);
  EXPECT_EQ(detect_content_type("3:1 2:1\n"), ContentType::kCsv);
  EXPECT_EQ(detect_content_type(""), ContentType::kCsv);
}

}  // namespace
}  // namespace linlearn
