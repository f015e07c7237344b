#ifndef PENULTIMATE_COPENBLAS_SHIM_H
#define PENULTIMATE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
