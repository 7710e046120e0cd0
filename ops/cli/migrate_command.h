// `ledger migrate --to kafka://…`: the command around MigrateLog (migrate.h).
//
// Reads the log named by --log/--data (the embedded log by default) and copies
// it into the Kafka topic named by `to`, creating the topic when missing with
// the source's partition count (a ?partitions= in the URI that differs is
// refused by MigrateLog). Prints a progress bar on a terminal and, at the end,
// what was copied and what was already there (verified). Safe to run again
// after an interruption: it resumes without duplicates. The personal data
// keys of DATA/keys are then copied into the target's key store topic
// ("<topic>.keys"), so that the Kafka deployment opens what it copied.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "events/status.h"
#include "ops/datadir/log_flags.h"

namespace ledger {

struct MigrateRequest {
  std::string to;       // kafka://host:port[,host:port][?topic=…]
  size_t batch = 1000;  // records per append round (Flush)
};

Status RunMigrate(const LogFlags& flags, const MigrateRequest& request, std::FILE* out);

}  // namespace ledger
