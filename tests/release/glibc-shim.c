/*
 * Alpine images get libstdc++.so.6 and libgcc_s.so.1 built against musl (`apk add libstdc++`).
 * Alpine's package repository is out of reach here, so the musl root filesystem borrows
 * Debian's glibc-built copies and loads this shim in place of glibc's loader
 * (ld-linux-*.so.*, which libstdc++ names as a dependency). It defines the few glibc-only
 * symbols those two libraries import; musl provides everything else. Alpine's gcompat
 * package does the same thing for whole glibc programs.
 *
 * Built with `cc -shared -fPIC -nostdlib`: the undefined symbols resolve from musl at load time.
 */
#include <stddef.h>

typedef struct __locale_struct *locale_t;
struct tm;
extern size_t strftime_l(char *, size_t, const char *, const struct tm *, locale_t);
extern long getrandom(void *, size_t, unsigned);

/* 0 = "maybe multi-threaded": libstdc++ then always uses atomic reference counts. */
char __libc_single_threaded = 0;

/* libgcc_s exports these itself, but under a hidden symbol version that musl's loader skips. */
struct { unsigned vendor, type, subtype, features[1]; } __cpu_model;
int __cpu_indicator_init(void) { return 0; }

/* -1 makes libgcc's unwinder fall back to dl_iterate_phdr, which musl has. */
int _dl_find_object(void *pc, void *result) { (void)pc; (void)result; return -1; }

/* thread_local destructors are not registered (they leak at thread exit); fine for a test root. */
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso) {
  (void)dtor; (void)obj; (void)dso;
  return 0;
}

size_t __strftime_l(char *s, size_t n, const char *format, const struct tm *tm, locale_t locale) {
  return strftime_l(s, n, format, tm, locale);
}

unsigned arc4random(void) {
  unsigned value = 0;
  getrandom(&value, sizeof value, 0);
  return value;
}
