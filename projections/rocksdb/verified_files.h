// VerifyTableFilesOnce: the check of a store's table files at Open — every
// block's checksum read — done once per file rather than at every Open.
//
// RocksDB's table files never change once written, and a file number is never
// given twice. A file whose checksums were verified is recorded in
// DIR/LEDGER-VERIFIED with its size, modification time (ns) and inode; at the
// next Open a live file recorded with the same four is not read again, any
// other (new, rewritten, copied, restored) is; a file modified in the last two
// seconds is verified but not recorded (a change within the file system's
// timestamp granularity would not show). The record is rewritten
// atomically (a temporary file renamed) after each Open that verified
// something; failing to write it costs only a verification next time. What
// this gives up: damage that changes neither size nor time (bit rot) is found
// at the first read of the damaged block — RocksDB checks each block it reads
// — not at Open. Without it a one-shot read (`ledger stats`) read the whole
// store: 4.4 s at scale 10 from the page cache, 113 s cold.
//
// Returns the first damage as RocksDB reports it (Corruption naming the
// file), and how many files were read. Thread-compatible.
#pragma once

#include <cstddef>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/status.h>

namespace ledger {

// `options`: the store's (its table factory reads the files). Sets
// `*files_read` to the number of table files whose blocks were read.
rocksdb::Status VerifyTableFilesOnce(rocksdb::DB& db, const rocksdb::Options& options,
                                     const std::filesystem::path& dir, size_t* files_read);

}  // namespace ledger
