/* One cache line passed back and forth between two threads (issue 17: copy29, state31). Its round trip tells where
 * the host runs this VM's two vCPUs: ~83 ns when both sit on one CCD (the slow memory state), ~339 ns across two CCDs
 * (the fast one). One side calls ping_side, the other pong_side, with the same N, after the ball was set to 0; shared
 * by touch-watch.c and ping-watch.c.
 * ping_side stores 2i+1 and waits for the pong side's 2i+2, N times; with TICKS it records each round trip's TSC ticks.
 * LIMIT (TSC ticks, 0: none) bounds each side's wait for the other: past it the waiting side puts PING_ABORT in the ball,
 * so that a thread whose partner was descheduled stops spinning (a late partner may overwrite it; then its own limit ends
 * the exchange); both sides return the round trips completed. Plain stores, as copy29's figures were taken with. */
#ifndef KVSCOPE_PING_PONG_H
#define KVSCOPE_PING_PONG_H
#include <immintrin.h>
#include <stdatomic.h>
#include <stdint.h>
#include <x86intrin.h>

#define PING_ABORT (-1L)
static _Atomic long g_ball;

/* Spins until the ball holds WANT (1) or PING_ABORT (0), or LIMIT ticks pass (0: it then aborts the exchange). */
static int ping_wait(long want, uint64_t limit) {
    uint64_t start = limit ? __rdtsc() : 0;
    for (;;) {
        long b = atomic_load_explicit(&g_ball, memory_order_acquire);
        if (b == want) return 1;
        if (b == PING_ABORT) return 0;
        _mm_pause();
        if (limit && __rdtsc() - start > limit) {
            atomic_store_explicit(&g_ball, PING_ABORT, memory_order_release);
            return 0;
        }
    }
}

static long ping_side(long n, uint64_t *ticks, uint64_t limit) {
    for (long i = 0; i < n; i++) {
        uint64_t t = ticks ? __rdtsc() : 0;
        atomic_store_explicit(&g_ball, 2 * i + 1, memory_order_release);
        if (!ping_wait(2 * i + 2, limit)) return i;
        if (ticks) ticks[i] = __rdtsc() - t;
    }
    return n;
}

static long pong_side(long n, uint64_t limit) {
    for (long i = 0; i < n; i++) {
        if (!ping_wait(2 * i + 1, limit)) return i;
        atomic_store_explicit(&g_ball, 2 * i + 2, memory_order_release);
    }
    return n;
}
#endif
