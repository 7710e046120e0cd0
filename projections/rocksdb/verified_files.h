// VerifyTableFilesOnce: the check of a store's table files at Open — every
// block's checksum read — done once per file rather than at every Open.
//
// RocksDB's table files never change once written, and a file number is never
// given twice. A file whose checksums were verified is recorded in
// DIR/LEDGER-VERIFIED with its size, modification and change times (ns),
// inode and device; at the next Open a live file recorded with the same five
// is not read again, any other (new, rewritten, copied or restored — the
// kernel's change time moves with any write and cannot be set back) is. A file
// changed in the last two seconds is verified but not recorded (a change
// within the file system's timestamp granularity would not show). While the
// files are read the store deletes none (a writer's compactions start at
// Open). The record is rewritten atomically (a temporary file of the writer's
// own, renamed) by whoever opened the store, readers included; failing to
// write it (a read-only directory) costs only a verification next time.
// `every_file` ignores the record (`ledger rebuild`'s check of the store it
// replaces: damage must be found there, not at a later read).
//
// What this gives up: damage that changes no time (bit rot) is found at the
// first read of the damaged block — RocksDB checks each block it reads — not
// at Open. Without it a one-shot read (`ledger stats`) read the whole store:
// 4.4 s at scale 10 from the page cache, 113 s cold.
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
                                     const std::filesystem::path& dir, bool every_file, size_t* files_read);

}  // namespace ledger
