/* The guest's memory counters that the load and first-touch harnesses print (issue 17: copy29, load30):
 * /proc/vmstat entries (thp_fault_alloc, thp_fault_fallback) and page_reporting's reported_kib, the memory the
 * guest has handed back to its host (backed anew on first touch). -1 where a counter cannot be read. */
#ifndef KVSCOPE_VM_COUNTERS_H
#define KVSCOPE_VM_COUNTERS_H
#include <stdio.h>
#include <string.h>

static long vmstat(const char *key) {
    FILE *f = fopen("/proc/vmstat", "r");
    char k[128];
    long v, found = -1;
    while (f && fscanf(f, "%127s %ld", k, &v) == 2) if (!strcmp(k, key)) found = v;
    if (f) fclose(f);
    return found;
}

static long reported_kib(void) {
    FILE *f = fopen("/sys/module/page_reporting/parameters/reported_kib", "r");
    long v = -1;
    if (f) { if (fscanf(f, "%ld", &v) != 1) v = -1; fclose(f); }
    return v;
}
#endif
