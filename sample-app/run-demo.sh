#!/usr/bin/env bash
# Builds the sample and runs it: a "vault" host process and a "worker" peer process talking over an encrypted
# (Noise) Unix socket. Stops after 5 worker rounds; pass --sample.demo.rounds=0 to run until Ctrl-C.
# While it runs: http://localhost:8081/actuator/health and http://localhost:8082/actuator/health
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -pl sample-app -am package -DskipTests -Dinterop.npm.skip=true
exec java -jar sample-app/target/sample-app-0.1.0-SNAPSHOT.jar demo "$@"
