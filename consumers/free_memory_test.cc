// FreeMemoryKeeper and KeepFreedMemoryUnder on tcmalloc (this test is linked
// with it when the programs are: consumers/CMakeLists.txt); skipped on
// glibc's malloc, where they only trim.
#include "consumers/free_memory.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace ledger {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Allocates `blocks` blocks of 4 MiB, writes every page, and frees them: the
// allocator then holds their pages freed.
void AllocateTouchAndFree(size_t blocks) {
  std::vector<std::unique_ptr<char[]>> held;
  for (size_t i = 0; i < blocks; ++i) {
    held.emplace_back(new char[4 * kMiB]);
    std::memset(held.back().get(), static_cast<int>(i), 4 * kMiB);
  }
}

// tcmalloc may hand some of those pages back on its own as they are freed
// (its gradual release, more or less as the spans fall): 256 MiB freed
// until it keeps more than 64 MiB of them; what it then keeps.
size_t FreeUntilKeptOver64MiB() {
  size_t kept = 0;
  for (int attempt = 0; attempt < 20 && kept <= 64 * kMiB; ++attempt) {
    AllocateTouchAndFree(64);
    kept = *FreedPagesKept();
  }
  return kept;
}

TEST(FreeMemoryTest, KeepFreedMemoryUnderHandsBackWhatIsKeptBeyondTheBound) {
  if (!FreedPagesKept()) GTEST_SKIP() << "not on tcmalloc";
  const size_t kept = FreeUntilKeptOver64MiB();
  ASSERT_GT(kept, 64 * kMiB) << "tcmalloc handed the freed memory back on its own each time";
  const size_t released = KeepFreedMemoryUnder(16 * kMiB);
  EXPECT_LE(*FreedPagesKept(), 16 * kMiB);
  EXPECT_GE(released, kept - 16 * kMiB);
  EXPECT_EQ(KeepFreedMemoryUnder(16 * kMiB), 0u) << "nothing more to hand back";
}

TEST(FreeMemoryTest, KeepFreedMemoryUnderHoldsThroughRoundsOfAllocations) {
  if (!FreedPagesKept()) GTEST_SKIP() << "not on tcmalloc";
  // tcmalloc counts a span handed back beyond a request against the next
  // requests: the bound holds round after round all the same.
  for (int round = 0; round < 8; ++round) {
    AllocateTouchAndFree(static_cast<size_t>(8 + 16 * (round % 3)));
    KeepFreedMemoryUnder(static_cast<size_t>(round % 2) * 8 * kMiB);
    EXPECT_LE(*FreedPagesKept(), static_cast<size_t>(round % 2) * 8 * kMiB) << "round " << round;
  }
}

TEST(FreeMemoryTest, TheKeeperBoundsWhatIsKeptFreedWhileItLives) {
  if (!FreedPagesKept()) GTEST_SKIP() << "not on tcmalloc";
  const size_t kept = FreeUntilKeptOver64MiB();
  ASSERT_GT(kept, 64 * kMiB) << "tcmalloc handed the freed memory back on its own each time";
  FreeMemoryKeeper keeper(16 * kMiB, std::chrono::milliseconds(10));
  // Within some periods of its thread (a minute at most, not a timing); its
  // count is added to after the pages are handed back.
  for (int i = 0; i < 6000 && (*FreedPagesKept() > 16 * kMiB || keeper.released() < kept - 16 * kMiB); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_LE(*FreedPagesKept(), 16 * kMiB);
  EXPECT_GE(keeper.released(), kept - 16 * kMiB);
}

TEST(FreeMemoryTest, AKeeperEndsWithoutWaitingForItsPeriod) {
  // Destroyed before its first period of an hour: joins at once (a hang
  // would fail the test by its timeout).
  FreeMemoryKeeper keeper(0, std::chrono::hours(1));
  EXPECT_EQ(keeper.released(), 0u);
}

TEST(FreeMemoryTest, WhatIsKeptWithinTheBoundStaysForLaterAllocations) {
  if (!FreedPagesKept()) GTEST_SKIP() << "not on tcmalloc";
  KeepFreedMemoryUnder(0);
  AllocateTouchAndFree(8);  // 32 MiB, under the bound
  const size_t kept = *FreedPagesKept();
  EXPECT_EQ(KeepFreedMemoryUnder(64 * kMiB), 0u);
  EXPECT_EQ(*FreedPagesKept(), kept);
}

}  // namespace
}  // namespace ledger
