#!/usr/bin/env bash
# kafka_append_bench and rebuild_bench against real Kafka 2.4.1 clusters of 1
# and 3 brokers on this machine (../shared/kafka's kafka-cluster), each figure
# next to the raw limit measured in the same run (the raw librdkafka producer
# on the same cluster; raw RocksDB batched puts and the log's read rate), at
# two workload sizes (does the rate hold as the data grows?).
#
#   benchmarks/kafka_real_bench.sh [BUILD_DIR] [KAFKA_CLUSTER_SCRIPT]
#
# Each cluster lives in a scratch directory for its run and is stopped after.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
script=${2:-$here/../shared/kafka/kafka-cluster}
bench=$build/bin/kafka_append_bench
rebuild=$build/bin/rebuild_bench
[ -x "$bench" ] || { echo "no $bench: build first (cmake --build build)" >&2; exit 1; }
[ -x "$script" ] || { echo "no kafka-cluster script at $script" >&2; exit 1; }

for n in 1 3; do
  dir=$(mktemp -d /tmp/kafka-bench.XXXXXX)
  trap '"$script" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  brokers=$("$script" start "$dir" --brokers "$n" | grep '^KAFKA_BROKERS=' | cut -d= -f2)
  echo "== $n broker(s): $brokers"
  for families in 2000 8000; do
    "$bench" --brokers "$brokers" --families "$families" --runs 3
    "$rebuild" --brokers "$brokers" --families "$families" | tail -3
  done
  "$script" stop "$dir" >/dev/null
  rm -rf "$dir"
  trap - EXIT
done
