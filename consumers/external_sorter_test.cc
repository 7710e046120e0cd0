#include "consumers/external_sorter.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "events/testing/temp_dir.h"

namespace ledger {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

Entries ReadAll(SortedEntries& s) {
  Entries out;
  for (;;) {
    Result<bool> more = s.Next();
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) return out;
    out.emplace_back(s.key(), s.value());
  }
}

size_t FilesIn(const std::filesystem::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec); !ec && it != std::filesystem::directory_iterator(); ++it) ++n;
  return n;
}

class ExternalSorterRunsTest : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Lz4, ExternalSorterRunsTest, ::testing::Bool());

TEST_P(ExternalSorterRunsTest, SortsMoreThanItsMemoryThroughRunsAndRemovesThem) {
  testing::TempDir tmp("sorter");
  ExternalSorter sorter(tmp.path() / "sort", "t", 4096, GetParam());  // a few dozen entries per run
  std::mt19937 rng(7);
  std::multimap<std::string, std::string> want;
  for (int i = 0; i < 5000; ++i) {
    std::string key = "k" + std::to_string(rng() % 1000);  // duplicates
    std::string value(rng() % 64, static_cast<char>('a' + i % 26));
    if (i % 500 == 0) value.assign(200 * 1024, 'x');  // an entry bigger than a block
    value += std::to_string(i);
    ASSERT_TRUE(sorter.Add(key, value).ok());
    want.emplace(key, value);  // multimap keeps equal keys in insertion order
  }
  EXPECT_GT(sorter.runs(), 50u);
  EXPECT_EQ(sorter.size(), 5000);
  auto merged = ExternalSorter::Merge({&sorter});
  ASSERT_TRUE(merged.ok());
  const Entries got = ReadAll(**merged);
  EXPECT_EQ(got, Entries(want.begin(), want.end()));
  merged->reset();
  EXPECT_EQ(FilesIn(tmp.path() / "sort"), 0u);
}

TEST(ExternalSorterTest, MergesSeveralSortersTiesToTheFirstAndComparesBytesUnsigned) {
  testing::TempDir tmp("sorter");
  ExternalSorter a(tmp.path(), "a", 64), b(tmp.path(), "b", 1 << 20);
  ASSERT_TRUE(a.Add("m", "a1").ok());
  ASSERT_TRUE(a.Add(std::string("\xff", 1), "a2").ok());
  ASSERT_TRUE(a.Add("m", "a3").ok());
  ASSERT_TRUE(a.Add(std::string("a\0b", 3), "a4").ok());
  ASSERT_TRUE(b.Add("m", "b1").ok());
  ASSERT_TRUE(b.Add("a", "b2").ok());
  ASSERT_TRUE(b.Add("", "b3").ok());
  auto merged = ExternalSorter::Merge({&a, &b});
  ASSERT_TRUE(merged.ok());
  const Entries want{{"", "b3"}, {"a", "b2"}, {std::string("a\0b", 3), "a4"}, {"m", "a1"},
                     {"m", "a3"}, {"m", "b1"}, {std::string("\xff", 1), "a2"}};
  EXPECT_EQ(ReadAll(**merged), want);
}

TEST_P(ExternalSorterRunsTest, ARunCutShortIsAnErrorNamingItsFile) {
  testing::TempDir tmp("sorter");
  ExternalSorter sorter(tmp.path(), "cut", 32, GetParam());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(sorter.Add("key" + std::to_string(i), "value-value").ok());
  ASSERT_GT(sorter.runs(), 0u);
  std::filesystem::resize_file(tmp.path() / "cut-0.run", 5);
  auto merged = ExternalSorter::Merge({&sorter});
  ASSERT_TRUE(merged.ok());
  Result<bool> more = (*merged)->Next();
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(more.status().message().find("cut-0.run"), std::string::npos) << more.status().ToString();
}

TEST_P(ExternalSorterRunsTest, AnEntryLargerThanItsMemoryGoesInAloneAndTheRestAfterIt) {
  testing::TempDir tmp("sorter");
  ExternalSorter sorter(tmp.path() / "sort", "big", 64, GetParam());
  const std::string big(1000, 'x');  // 15 times the sorter's memory
  ASSERT_TRUE(sorter.Add("m", "small").ok());
  ASSERT_TRUE(sorter.Add("b", big).ok());
  ASSERT_TRUE(sorter.Add("z", "after").ok());
  ASSERT_TRUE(sorter.Add("a", big + big).ok());
  ASSERT_TRUE(sorter.Add("c", "last").ok());
  Result<std::unique_ptr<SortedEntries>> merged = ExternalSorter::Merge({&sorter});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(ReadAll(**merged), (Entries{{"a", big + big}, {"b", big}, {"c", "last"}, {"m", "small"}, {"z", "after"}}));
}

TEST(ExternalSorterTest, AnEmptySorterMergesToNothing) {
  testing::TempDir tmp("sorter");
  ExternalSorter sorter(tmp.path(), "e", 1024);
  auto merged = ExternalSorter::Merge({&sorter});
  ASSERT_TRUE(merged.ok());
  EXPECT_TRUE(ReadAll(**merged).empty());
}

}  // namespace
}  // namespace ledger
