#ifndef PENULTIMATE_CHDF5_SHIM_H
#define PENULTIMATE_CHDF5_SHIM_H
// Swift cannot import libhdf5's function-like macros (H5T_NATIVE_*, H5P_* class ids,
// H5F_ACC_*, H5P_DEFAULT, H5S_ALL): each is exposed here as a static inline function.
// Version-sensitive names get one unversioned spelling so 1.10 and 1.12+ both build.
#include <hdf5.h>

// MARK: Predefined types (macros that call H5open)
static inline hid_t shim_T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t shim_T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t shim_T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t shim_T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t shim_T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t shim_T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t shim_T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t shim_T_NATIVE_UINT16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t shim_T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t shim_T_NATIVE_UINT64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t shim_T_C_S1(void) { return H5T_C_S1; }
static inline hid_t shim_T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t shim_T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t shim_T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t shim_T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t shim_T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t shim_T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t shim_T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t shim_T_STD_U16LE(void) { return H5T_STD_U16LE; }
static inline hid_t shim_T_STD_U32LE(void) { return H5T_STD_U32LE; }
static inline hid_t shim_T_STD_U64LE(void) { return H5T_STD_U64LE; }

/// IEEE half precision, little endian. libhdf5 1.10 predefines none; built the way h5py
/// does: a copy of F32LE with sign bit 15, exponent at 10 (5 bits, bias 15), mantissa 0..9.
/// The caller closes the returned type.
static inline hid_t shim_create_f16le(void) {
    hid_t t = H5Tcopy(H5T_IEEE_F32LE);
    if (t < 0) return t;
    if (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 ||
        H5Tset_ebias(t, 15) < 0 || H5Tset_precision(t, 16) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

// MARK: Property list classes and defaults
static inline hid_t shim_P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t shim_P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t shim_P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t shim_P_DATASET_ACCESS(void) { return H5P_DATASET_ACCESS; }
static inline hid_t shim_P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t shim_P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t shim_P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t shim_S_ALL(void) { return H5S_ALL; }
static inline hid_t shim_E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t shim_VARIABLE(void) { return H5T_VARIABLE; }
static inline hsize_t shim_S_UNLIMITED(void) { return H5S_UNLIMITED; }

// MARK: File access flags
static inline unsigned shim_F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned shim_F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned shim_F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }

// MARK: Unversioned names
static inline herr_t shim_Literate(hid_t group, H5L_iterate_t op, void *data) {
    hsize_t idx = 0;
#if H5_VERSION_GE(1, 12, 0)
    return H5Literate1(group, H5_INDEX_NAME, H5_ITER_INC, &idx, op, data);
#else
    return H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &idx, op, data);
#endif
}

/// The object type (H5O_TYPE_GROUP, H5O_TYPE_DATASET, ...) at `name` below `loc`, or -1.
static inline int shim_object_type(hid_t loc, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#else
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return -1;
#endif
    return (int)info.type;
}

static inline herr_t shim_vlen_reclaim(hid_t type, hid_t space, void *buf) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}


// MARK: Where an object's bytes live

/// The POSIX descriptor through which libhdf5 reads the file that holds `obj` (which, behind an
/// external link, is not the file it was opened from), when that file uses the default sec2
/// driver; else -1. The descriptor stays libhdf5's: callers dup() it. `userblock` receives the
/// file's user block size (chunk and data addresses are relative to its end).
static inline int shim_object_file_descriptor(hid_t obj, hsize_t *userblock) {
    int fd = -1;
    hid_t file = H5Iget_file_id(obj);
    if (file < 0) return -1;
    hid_t fapl = H5Fget_access_plist(file);
    hid_t fcpl = H5Fget_create_plist(file);
    if (fapl >= 0 && fcpl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2 && H5Pget_userblock(fcpl, userblock) >= 0) {
        void *handle = NULL;
        if (H5Fget_vfd_handle(file, fapl, &handle) >= 0 && handle != NULL) fd = *(int *)handle;
    }
    if (fapl >= 0) H5Pclose(fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    H5Fclose(file);
    return fd;
}

/// The name of the file that holds `obj` (as libhdf5 opened it) into `buffer`; its length or -1.
static inline ssize_t shim_object_file_name(hid_t obj, char *buffer, size_t size) {
    hid_t file = H5Iget_file_id(obj);
    if (file < 0) return -1;
    ssize_t n = H5Fget_name(file, buffer, size);
    H5Fclose(file);
    return n;
}

#endif
