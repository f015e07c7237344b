#ifndef PENULTIMATE_CZLIB_SHIM_H
#define PENULTIMATE_CZLIB_SHIM_H
// zlib's inflateInit is a macro (it passes the header's version and struct size): exposed here
// as a static inline function Swift can call.
#include <zlib.h>

/// `inflateInit(stream)`: prepares a zlib-format (RFC 1950) stream, as libhdf5's deflate filter writes.
static inline int shim_inflateInit(z_stream *stream) { return inflateInit(stream); }

#endif
