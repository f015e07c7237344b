#ifndef PENULTIMATE_CPNG_H
#define PENULTIMATE_CPNG_H
// libpng's classic API reports errors by longjmp, which must never cross Swift frames:
// every classic-API call lives in png_shim.c behind its own setjmp. Errors come back as a
// nonzero return code plus a message written into the caller's buffer.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Return codes of the cpng_* functions.
enum {
    CPNG_OK = 0,
    CPNG_ERR_ARGUMENT = 1,   ///< bad argument (size, null pointer, key too long)
    CPNG_ERR_MEMORY = 2,     ///< allocation failed
    CPNG_ERR_LIBPNG = 3,     ///< libpng reported an error (message in the buffer)
    CPNG_ERR_IO = 4          ///< file could not be opened or read
};

/// One text chunk: Latin-1-safe ASCII keys (1..79 bytes); values are UTF-8.
/// Values that are pure ASCII are written as tEXt, others as uncompressed iTXt.
typedef struct {
    const char *key;
    const char *value;
    size_t value_length;
} cpng_text_in;

/// Encodes straight (non-premultiplied) RGBA8 pixels, rows top to bottom, `stride` bytes apart.
/// `dpi` > 0 writes a pHYs chunk (pixels per metre, rounded). Compression level fixed at 6 and
/// no tIME chunk, so equal input gives equal bytes. On success `*out` holds `*out_length` bytes
/// allocated with malloc: release with cpng_free.
int cpng_encode_rgba(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                     double dpi, const cpng_text_in *texts, size_t text_count,
                     uint8_t **out, size_t *out_length, char *message, size_t message_capacity);

/// Releases a buffer returned by cpng_encode_rgba.
void cpng_free(void *pointer);

#ifdef __cplusplus
}
#endif
#endif
