#!/usr/bin/env bash
# Stages what a lent GPU machine needs to run kvscope into one ignored folder (default .gpuwork): the device
# has nvcc, python3 with torch and transformers, and no JDK or Maven. It gets
#   jre.tar.xz      a jlink'd JDK 25 runtime (the modules the CLI and the tests use), unpacked there
#   lib/            the CLI's jars without JavaFX, and JCuda's natives jar cut to the driver library
#   test-classes/   inference-core's test classes, and the JUnit console launcher beside them
#   models/         stories260K.gguf, stories260K-q8_0.gguf, tok512.bin from ../shared/models
#   stories.txt     the five perplexity stories (the text analyze runs on)
#   scripts/cuda/device/*  run.sh (first call), run2.sh (second call) and their helpers
# usage: mvn -B -q -DskipTests -pl '!benchmarks/jmh' install && scripts/cuda/stage-device.sh [DEST]
# then:  device tool run, command 'bash .gpuwork/run.sh', carry [".gpuwork"] (DEST must be in the checkout
#        the session sends, and ignored: .gitignore lists /.gpuwork/); about 35 MiB.
# rehearse here first: DEVICE=cpu SHAPE=tiny-llama OUT=/tmp/x bash .gpuwork/run.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:-$root/.gpuwork}"
jdk="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
models="${KVSCOPE_MODELS:-$root/../shared/models}"
junit_version=1.11.4   # the console launcher of the JUnit platform that junit-jupiter ${junit.version} uses
junit="$HOME/.m2/repository/org/junit/platform/junit-platform-console-standalone/$junit_version/junit-platform-console-standalone-$junit_version.jar"
[ -f "$junit" ] || mvn -B -q dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version"
lib="$root/app/target/lib"
[ -d "$lib" ] || { echo "build first: mvn -B -q -DskipTests -pl '!benchmarks/jmh' install" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$dest"
mkdir -p "$dest/lib" "$dest/models"

"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.management,jdk.incubator.vector,java.sql,jdk.unsupported,java.xml,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress zip-9 --output "$work/jre" 2>&1 | grep -v "incubator" || true
tar -C "$work" -cf - jre | xz -T0 -6 > "$dest/jre.tar.xz"

cp "$(ls "$root"/app/target/app-*.jar | grep -v -e '-sources' -e '-tests' -e '-javadoc' | head -n1)" "$dest/lib/"
for j in inference-core sample-prompts jackson-annotations jackson-core jackson-databind progressbar jline-native jline-terminal jcuda-1; do
  cp "$lib"/"$j"*.jar "$dest/lib/"
done
natives="$(ls "$lib"/jcuda-natives-*-linux-x86_64.jar)"
mkdir "$work/natives"
(cd "$work/natives" && unzip -q "$natives" && find lib -name '*.so' ! -name 'libJCudaDriver-*' -delete && zip -q -r -9 "$dest/lib/$(basename "$natives")" .)

cp -a "$root/inference-core/target/test-classes" "$dest/test-classes"
cp "$junit" "$dest/"
cp "$models/stories260K.gguf" "$models/stories260K-q8_0.gguf" "$models/tok512.bin" "$dest/models/"
cat "$root"/sample-prompts/src/main/resources/org/kvscope/prompts/perplexity/story-*.txt > "$dest/stories.txt"
cp "$root"/scripts/cuda/device/* "$dest/"
echo "staged $dest ($(du -sh "$dest" | cut -f1))"
