package org.kvscope.benchmarks;

/** The JVM flags every forked benchmark JVM runs with: those of the launcher and the tests. */
final class JvmFlags {
    static final String VECTOR = "--add-modules=jdk.incubator.vector";
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    static final String GC = "-XX:+UseParallelGC";

    private JvmFlags() {}
}
