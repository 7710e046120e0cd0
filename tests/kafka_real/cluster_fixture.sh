#!/usr/bin/env bash
# The real Kafka cluster of `ctest -L kafka-real` (CTest fixture kafka_real):
#
#   cluster_fixture.sh start STATE_DIR KAFKA_CLUSTER_SCRIPT
#   cluster_fixture.sh stop  STATE_DIR KAFKA_CLUSTER_SCRIPT
#
# start: with KAFKA_BROKERS set, records that cluster (tests then run against
# it and skip what needs to kill brokers); otherwise starts 3 brokers with
# ../shared/kafka's kafka-cluster under STATE_DIR/cluster. Writes
# STATE_DIR/brokers, or STATE_DIR/skip with the reason when no Java runtime
# can be had (the tests then skip, saying so). Any other failure to start
# fails the fixture. stop: kills the cluster it started.
set -uo pipefail
cmd=${1:?start or stop}; state=${2:?state dir}; script=${3:?kafka-cluster script}

case $cmd in
  start)
    # A cluster a killed ctest run left behind: stop it before forgetting its pid files.
    if [ -d "$state/cluster" ] && [ -x "$script" ]; then "$script" stop "$state/cluster" >/dev/null 2>&1 || true; fi
    rm -rf "$state"; mkdir -p "$state"
    if [ -n "${KAFKA_BROKERS:-}" ]; then
      echo "$KAFKA_BROKERS" > "$state/brokers"; echo external > "$state/mode"
      echo "kafka-real: using KAFKA_BROKERS=$KAFKA_BROKERS"; exit 0
    fi
    if [ ! -x "$script" ]; then
      echo "no kafka-cluster script at $script (the shared folder ../shared/kafka): set KAFKA_BROKERS=host:port,… to run against a cluster" > "$state/skip"
      cat "$state/skip"; exit 0
    fi
    if ! out=$("$script" start "$state/cluster" --brokers 3 2>&1); then
      echo "$out" | tail -5
      if grep -q "needs java\|could not install openjdk" <<<"$out"; then
        echo "no Java runtime for Kafka: $(tail -1 <<<"$out")" > "$state/skip"; cat "$state/skip"; exit 0
      fi
      echo "kafka-real: the cluster did not start (logs under $state/cluster/logs)"; exit 1
    fi
    brokers=$(grep '^KAFKA_BROKERS=' <<<"$out" | tail -1 | cut -d= -f2)
    [ -n "$brokers" ] || { echo "kafka-real: kafka-cluster printed no KAFKA_BROKERS line"; exit 1; }
    echo "$brokers" > "$state/brokers"; echo local > "$state/mode"
    echo "kafka-real: 3 brokers at $brokers";;
  stop)
    # The cluster is thrown away (start removes it): its brokers are SIGKILLed
    # rather than shut down in order (30 s of a CI run), then stop takes the rest.
    if [ "$(cat "$state/mode" 2>/dev/null)" = local ]; then
      for id in 0 1 2; do "$script" kill "$state/cluster" "$id" >/dev/null 2>&1 || true; done
      "$script" stop "$state/cluster"
    fi
    exit 0;;
  *) echo "usage: $0 start|stop STATE_DIR KAFKA_CLUSTER_SCRIPT" >&2; exit 2;;
esac
