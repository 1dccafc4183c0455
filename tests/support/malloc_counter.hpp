// Test support: count every malloc while g_count_mallocs is set, to show that
// a hot path allocates nothing. Include it in one translation unit of an
// executable: its malloc replaces glibc's for that executable (and forwards to
// glibc's own). Under AddressSanitizer, which owns malloc, nothing is replaced
// and ATTNLAB_NO_MALLOC_COUNT is defined: skip the counting tests then.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define ATTNLAB_NO_MALLOC_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTNLAB_NO_MALLOC_COUNT 1
#endif
#endif

#ifndef ATTNLAB_NO_MALLOC_COUNT
extern "C" void* __libc_malloc(std::size_t size);
namespace {
bool g_count_mallocs = false;
long g_mallocs = 0;
}  // namespace
extern "C" void* malloc(std::size_t size) {
  if (g_count_mallocs) ++g_mallocs;
  return __libc_malloc(size);
}
#endif
