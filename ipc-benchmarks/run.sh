#!/usr/bin/env bash
# Builds the benchmarks and runs them. From the repository root:
#   ipc-benchmarks/run.sh                 the cross-process harness (~12 min); writes ipc-benchmarks/results/latest.md
#   ipc-benchmarks/run.sh --quick         the same, a few seconds per system (smoke check, numbers not meaningful)
#   ipc-benchmarks/run.sh jmh [JMH args]  the in-JVM JMH benchmarks, e.g. `jmh CodecBenchmark -prof gc`
#   ipc-benchmarks/run.sh nats [--trials N --calls N --messages N]  the NATS section (needs nats-server, ~2 min)
# Any other harness option is passed through: --trials N --seconds S --warmup S --systems a,b --no-scale --out FILE
#   --child-jvm "-XX:StartFlightRecording=filename=/tmp/jfr/,settings=profile"   (profile every child JVM)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -pl ipc-benchmarks -am package -DskipTests
jar=ipc-benchmarks/target/ipc-benchmarks.jar
if [[ "${1:-}" == "jmh" ]]; then
  shift
  exec java -jar "$jar" jmh "$@"
fi
if [[ "${1:-}" == "nats" ]]; then
  shift
  exec java -jar "$jar" nats "$@"
fi
exec java -jar "$jar" harness "$@"
