#ifndef PENULTIMATE_CHDF5_SHIM_H
#define PENULTIMATE_CHDF5_SHIM_H
// Swift cannot import libhdf5's function-like macros (H5T_NATIVE_*, H5P_* class ids,
// H5F_ACC_*, H5P_DEFAULT, H5S_ALL): each is exposed here as a static inline function.
#include <hdf5.h>

#endif
