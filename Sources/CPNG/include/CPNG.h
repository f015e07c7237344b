#ifndef PENULTIMATE_CPNG_H
#define PENULTIMATE_CPNG_H
// libpng's classic API reports errors by longjmp, which must never cross Swift frames:
// every classic-API call lives in png_shim.c behind its own setjmp.
#include <stddef.h>
#include <stdint.h>

#endif
