/* Works around libfaketime 0.9.10 (Debian bookworm) bug #426: with FAKETIME_DONT_FAKE_MONOTONIC=1
 * its clock_nanosleep() still shifts a TIMER_ABSTIME monotonic deadline, so Python >= 3.11's
 * time.sleep() fails with EINVAL. Preloaded before libfaketime by ops/chaos_clock.py, this
 * passes monotonic sleeps straight to the kernel and leaves the rest to libfaketime. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem) {
    static int (*next)(clockid_t, int, const struct timespec *, struct timespec *);
    if (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_RAW || id == CLOCK_BOOTTIME)
        return syscall(SYS_clock_nanosleep, id, flags, req, rem) == 0 ? 0 : errno;
    if (!next)
        next = dlsym(RTLD_NEXT, "clock_nanosleep");
    return next(id, flags, req, rem);
}
