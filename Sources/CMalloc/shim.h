#ifndef PENULTIMATE_CMALLOC_SHIM_H
#define PENULTIMATE_CMALLOC_SHIM_H
// glibc's allocator settings (<malloc.h>), which Swift's Glibc module does not export.
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>

/// `mallopt(M_MMAP_THRESHOLD, bytes)`: allocations of at least `bytes` get their own mapping,
/// returned to the system when freed; setting it also stops glibc from raising it on its own.
static inline int shim_set_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#else
static inline int shim_set_mmap_threshold(int bytes) { (void)bytes; return 1; }
#endif

#endif
