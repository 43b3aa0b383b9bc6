#!/usr/bin/env bash
# Two builds of inference-core alternated round by round in one JVM (BuildComparison; see
# docs/BENCHMARKS.md). Needs benchmarks/jmh/target/benchmarks.jar
# (mvn -B -q -o -pl benchmarks/jmh -am -DskipTests package) and each ROOT's inference-core built.
# usage: benchmarks/jmh/compare-builds.sh MODEL TOKENS ROUNDS prefill|decode ROOT_A ROOT_B
# JVM options go in COMPARE_JAVA_OPTS, e.g. COMPARE_JAVA_OPTS=-XX:UseAVX=2 for the 8-lane kernels.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
jar="$here/target/benchmarks.jar"
if [ ! -f "$jar" ]; then
  echo "error: $jar is not built: run mvn -B -q -o -pl benchmarks/jmh -am -DskipTests package" >&2
  exit 2
fi
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC ${COMPARE_JAVA_OPTS:-} -cp "$jar" org.kvscope.benchmarks.BuildComparison "$@"
