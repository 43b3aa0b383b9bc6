/* A read of mapped weights whose file was truncated meanwhile raises SIGBUS. In Java code the JVM turns
 * it into an InternalError; in native code it would kill the JVM. The kernels that read weights
 * (kvs_matvec, kvs_matvec_float, kvs_matmul) run their body under KVS_GUARDED: the library's SIGBUS
 * handler (kvs_guard_install, chained in front of the JVM's) jumps out of such a body, counts the fault
 * in kvs_faults, which the Java side reads after each call, and hands every other SIGBUS to the JVM. */
#ifndef KVSCOPE_GUARD_H
#define KVSCOPE_GUARD_H

#include <setjmp.h>

/* Where the guarded body on this thread resumes after a fault; NULL outside guarded bodies. Initial-exec:
 * read inside the signal handler, where a dynamic TLS access could allocate. */
extern __thread sigjmp_buf *kvs_guard_jump __attribute__((tls_model("initial-exec")));

#define KVS_GUARDED(body)                                                                                  \
    do {                                                                                                   \
        sigjmp_buf kvs_jump_;                                                                              \
        if (sigsetjmp(kvs_jump_, 0) == 0) {                                                                \
            kvs_guard_jump = &kvs_jump_;                                                                   \
            body;                                                                                          \
        }                                                                                                  \
        kvs_guard_jump = NULL;                                                                             \
    } while (0)

#endif
