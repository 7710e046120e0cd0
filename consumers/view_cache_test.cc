// The cache of views: what it answers while complete and when it is not, that
// it never holds more than its bytes, that outgrowing them drops every view
// (it answers nothing from then on, rather than a replaced or partial view),
// and that a fill from the store stops at its capacity.
#include "consumers/view_cache.h"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace ledger {
namespace {

std::string Account(int i) { return "tls-p" + std::to_string(i); }
std::string Bytes(int i) { return std::string(200, static_cast<char>('a' + i % 26)) + std::to_string(i); }

TEST(ViewCacheTest, AnswersOnlyOnceCompleteAndThenSaysWhichAccountsHaveNoView) {
  ViewCache cache(1 << 20);
  std::string bytes;
  cache.Put("tls-p1", "ignored: not complete");
  EXPECT_EQ(cache.Find("tls-p1", bytes), ViewCache::Found::kUnknown);
  EXPECT_EQ(cache.entries(), 0u);
  cache.MarkComplete();
  EXPECT_EQ(cache.Find("tls-p1", bytes), ViewCache::Found::kNone);
  cache.Put("tls-p1", "first");
  cache.Put("tls-p1", "second");
  ASSERT_EQ(cache.Find("tls-p1", bytes), ViewCache::Found::kView);
  EXPECT_EQ(bytes, "second");
  EXPECT_EQ(cache.hits(), 2);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), std::string("tls-p1").size() + 6 + ViewCache::kEntryOverhead);
  cache.Clear();
  EXPECT_FALSE(cache.complete());
  EXPECT_EQ(cache.Find("tls-p1", bytes), ViewCache::Found::kUnknown);
  EXPECT_EQ(cache.bytes(), 0u);
}

// Ten times as many accounts as fit pass through: it holds at most its
// bytes, and the put that would pass them drops everything — from then on
// every account reads kUnknown (the store), none a view it no longer tracks.
TEST(ViewCacheTest, OutgrowingItsBytesDropsEveryViewAndAnswersNothingAfter) {
  const size_t capacity = 256 << 10;
  const size_t cost = Account(0).size() + Bytes(0).size() + ViewCache::kEntryOverhead;
  const int fit = static_cast<int>(capacity / cost);
  ViewCache cache(capacity);
  cache.MarkComplete();
  size_t total = 0;  // what holding every view put so far would take
  for (int i = 0; i < 10 * fit; ++i) {
    cache.Put(Account(i), Bytes(i));
    total += Account(i).size() + Bytes(i).size() + ViewCache::kEntryOverhead;
    ASSERT_LE(cache.bytes(), capacity);
    ASSERT_EQ(cache.complete(), total <= capacity) << i;
  }
  EXPECT_FALSE(cache.complete());
  EXPECT_EQ(cache.drops(), 1);
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  std::string bytes;
  for (int i = 0; i < 10 * fit; ++i) ASSERT_EQ(cache.Find(Account(i), bytes), ViewCache::Found::kUnknown);
}

TEST(ViewCacheTest, AViewGrowingInPlaceCountsOnlyItsGrowth) {
  ViewCache cache(4096);
  cache.MarkComplete();
  cache.Put("tls-g1", std::string(1000, 'x'));
  cache.Put("tls-g1", std::string(2000, 'y'));
  EXPECT_EQ(cache.bytes(), 6 + 2000 + ViewCache::kEntryOverhead);
  cache.Put("tls-g1", std::string(500, 'z'));
  EXPECT_EQ(cache.bytes(), 6 + 500 + ViewCache::kEntryOverhead);
  EXPECT_TRUE(cache.complete());
}

// A fill stops at the capacity; the cache cannot then be declared complete
// (it lacks views the store has) until it is cleared and filled again.
TEST(ViewCacheTest, AFillStopsAtItsCapacityAndCannotThenBeDeclaredComplete) {
  ViewCache cache(64 << 10);
  int loaded = 0;
  while (cache.Load(Account(loaded), Bytes(loaded))) ++loaded;
  EXPECT_GT(loaded, 0);
  EXPECT_LE(cache.bytes(), cache.capacity());
  EXPECT_EQ(cache.entries(), static_cast<size_t>(loaded));
  EXPECT_FALSE(cache.Load(Account(0), Bytes(0))) << "refused until cleared";
  cache.MarkComplete();
  EXPECT_FALSE(cache.complete());
  std::string bytes;
  EXPECT_EQ(cache.Find(Account(0), bytes), ViewCache::Found::kUnknown);
  cache.Clear();
  ASSERT_TRUE(cache.Load(Account(0), Bytes(0)));
  cache.MarkComplete();
  ASSERT_EQ(cache.Find(Account(0), bytes), ViewCache::Found::kView);
  EXPECT_EQ(bytes, Bytes(0));
  EXPECT_EQ(cache.Find(Account(1), bytes), ViewCache::Found::kNone);
}

// Two threads outgrow it at once: it is dropped once, and holds nothing.
TEST(ViewCacheTest, TwoThreadsOutgrowingItTogetherDropItOnce) {
  for (int round = 0; round < 20; ++round) {
    ViewCache cache(64 << 10);
    cache.MarkComplete();
    auto work = [&](int t) {
      for (int i = 0; i < 2000; ++i) cache.Put("t" + std::to_string(t) + "-" + std::to_string(i), Bytes(i));
    };
    std::thread other(work, 1);
    work(0);
    other.join();
    ASSERT_EQ(cache.drops(), 1);
    ASSERT_EQ(cache.entries(), 0u);
    ASSERT_EQ(cache.bytes(), 0u);
    ASSERT_FALSE(cache.complete());
  }
}

// Two projector threads put and read accounts of their own partitions.
TEST(ViewCacheTest, ThreadsPutAndFindTheirOwnAccountsSideBySide) {
  ViewCache cache(1 << 20);
  cache.MarkComplete();
  auto work = [&](int t) {
    std::string bytes;
    for (int i = 0; i < 20000; ++i) {
      const std::string a = "t" + std::to_string(t) + "-" + std::to_string(i % 1000);
      cache.Put(a, std::to_string(i));
      ASSERT_EQ(cache.Find(a, bytes), ViewCache::Found::kView);
      EXPECT_EQ(bytes, std::to_string(i));
    }
  };
  std::thread other(work, 1);
  work(0);
  other.join();
  EXPECT_EQ(cache.entries(), 2000u);
  EXPECT_TRUE(cache.complete());
}

}  // namespace
}  // namespace ledger
