#!/usr/bin/env bash
# probe.sh TREE POLICY [CALLS] [extra jvm opts...]: one fresh JVM (the launcher's options and AOT cache of TREE, a built
# checkout or a copy of its app/target), the first CALLS selections after a 2,048-token prefill on the SmolLM2-135M Q8_0
# synthetic file, with the JIT's compilations, GC pauses and safepoints logged (nanoTime decorations) to $LOGS.
# Compile Probe.java first:  javac -d /tmp/first-selection-probe -cp "TREE/app/target/app-0.1.0-SNAPSHOT.jar:TREE/app/target/lib/*" Probe.java
# Events inside a call:      python3 window.py LOG START_TN $((START_TN + MS * 1000000))   (START_TN and MS from the PROBE line)
tree=$1; pol=$2; calls=${3:-1}; shift 3 || shift $#
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
cd $tree
CP="app/target/app-0.1.0-SNAPSHOT.jar:app/target/lib/*:${PROBE_CLASSES:-/tmp/first-selection-probe}"
out=${LOGS:-/tmp/first-selection-logs}/$pol-$(date +%H%M%S)
mkdir -p ${LOGS:-/tmp/first-selection-logs}
$J --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=16m \
  -XX:AOTCache=app/target/kvscope.aot -Xlog:aot=off -Xlog:cds=off \
  -Xlog:jit+compilation=debug,gc,safepoint:file=$out.jit:tn,tid "$@" \
  -cp "$CP" org.kvscope.app.cli.Probe /tmp/kvscope-llamacpp/models/smollm2-135m-q8_0.gguf 2048 $pol $calls 2>&1 | grep -v WARNING
echo "log $out.jit"
