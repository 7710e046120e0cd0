// LOG_META: the file that makes a directory an embedded log and fixes its
// partition count. Exactly the text
//
//   ledger-embedded-log 1\n
//   partitions <N>\n
//
// with 1 <= N <= kMaxPartitions. It is written last when a log is created
// (after the partition directories p000 … p<N-1>), via a temporary file,
// fsync, rename and fsync of the directory, so a log either has a complete
// LOG_META and all its partition directories or no LOG_META at all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "events/status.h"

namespace ledger::embedded {

inline constexpr int32_t kMaxPartitions = 1024;
inline constexpr char kLogMetaFile[] = "LOG_META";

std::string LogMetaText(int32_t partitions);

// "p003"
std::string PartitionDirName(int32_t partition);

// The partition count recorded in `path`. DataLoss naming the path when the
// text is not exactly LogMetaText(N); Unavailable when it cannot be read.
Result<int32_t> ReadLogMeta(const std::filesystem::path& path);

// Creates the partition directories then LOG_META in `dir` (which exists and
// whose LOCK the caller holds). FailedPrecondition when a partition directory
// already holds segment files (a log whose LOG_META was lost: refuse to adopt
// it); InvalidArgument for a partition count out of range.
Status CreateLog(const std::filesystem::path& dir, int32_t partitions);

}  // namespace ledger::embedded
