#ifndef PENULTIMATE_CPNGDECODE_H
#define PENULTIMATE_CPNGDECODE_H
// The tests' PNG reader (TestSupport): libpng's classic API, whose errors longjmp, behind a
// setjmp in png_decode.c. Errors come back as a nonzero return code plus a message written into
// the caller's buffer. Not linked into the tools, which only write PNGs (CPNG).
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Return codes of the cpngd_* functions.
enum {
    CPNGD_OK = 0,
    CPNGD_ERR_ARGUMENT = 1,   ///< bad argument (size, null pointer, key too long)
    CPNGD_ERR_MEMORY = 2,     ///< allocation failed
    CPNGD_ERR_LIBPNG = 3,     ///< libpng reported an error (message in the buffer)
    CPNGD_ERR_IO = 4          ///< file could not be opened or read
};

/// A decoded image. Release everything with cpngd_image_free.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t *rgba;                 ///< width*height*4 bytes, straight alpha, rows top to bottom
    int has_phys;                  ///< 1 when a pHYs chunk was present
    uint32_t phys_x, phys_y;       ///< pixels per unit
    int phys_unit_is_metre;        ///< 1 when unit is the metre
    size_t text_count;
    char **text_keys;              ///< NUL-terminated
    char **text_values;            ///< NUL-terminated (UTF-8)
    size_t *text_value_lengths;
} cpngd_image;

/// Decodes a PNG held in memory into RGBA8 (any input colour type/bit depth is expanded).
int cpngd_decode_memory(const uint8_t *bytes, size_t length, cpngd_image *image,
                       char *message, size_t message_capacity);

/// Decodes a PNG file into RGBA8.
int cpngd_decode_file(const char *path, cpngd_image *image, char *message, size_t message_capacity);

/// Releases what cpngd_decode_* allocated (safe on a zeroed struct).
void cpngd_image_free(cpngd_image *image);

#ifdef __cplusplus
}
#endif
#endif
