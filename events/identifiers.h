// Validation of the national identifiers the ledger receives from outside, and
// the partitioner that places a stream on the log.
//
// UAI (establishment): 7 digits then a check letter
//   "ABCDEFGHJKLMNPRSTUVWXYZ"[n mod 23], n being the 7 digits as a number;
//   its department is the first three digits ("035", "031", "974"…).
// INE (pupil): 11 characters, 9 digits, then a digit or capital letter, then a
//   capital letter (the two shapes in use: 10 digits + key letter, or 9 digits
//   + 2 letters). No checksum is enforced: the key algorithms differ by origin.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "events/status.h"
#include "events/types.h"

namespace ledger {

// OK, or InvalidArgument saying what is wrong with `text` ("UAI 0350001A: check
// letter should be 'X'").
Status ValidateUai(std::string_view text);
Status ValidateIne(std::string_view text);

// The UAI of the 7-digit number `n` (< 10,000,000): its digits, zero-padded,
// then its check letter. MakeUai(351962) == "0351962T".
std::string MakeUai(uint32_t n);

// The department code of a valid UAI: its first three digits.
std::string_view DepartmentOfUai(const Uai& uai);

// Java Kafka client's murmur2 (seed 0x9747b28c) over `key`, as a signed 32-bit value.
int32_t Murmur2(std::string_view key);

// The partition of `key` among `partition_count`, as Kafka's Java default
// partitioner and librdkafka's murmur2/murmur2_random place keyed records:
// (Murmur2(key) & 0x7fffffff) % partition_count. partition_count must be > 0.
int32_t PartitionForKey(std::string_view key, int32_t partition_count);

}  // namespace ledger
