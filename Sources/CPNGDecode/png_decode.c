// The test-only PNG decoder (classic libpng API behind setjmp: no longjmp ever leaves this file).
// The tools only write PNGs (Sources/CPNG); the tests read them back through this.
#include "CPNGDecode.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *message;
    size_t capacity;
} error_sink;

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

static void on_error(png_structp png, png_const_charp text) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    if (sink) set_message(sink->message, sink->capacity, text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png; (void)text;  // warnings are not errors; stay quiet and deterministic
}

// MARK: decoding

typedef struct {
    const uint8_t *bytes;
    size_t length;
    size_t offset;
} memory_source;

static void read_from_memory(png_structp png, png_bytep data, png_size_t length) {
    memory_source *source = (memory_source *)png_get_io_ptr(png);
    if (source->offset + length > source->length) png_error(png, "PNG data ends early");
    memcpy(data, source->bytes + source->offset, length);
    source->offset += length;
}

static char *copy_string(const char *text, size_t length) {
    char *copy = malloc(length + 1);
    if (copy) { memcpy(copy, text, length); copy[length] = 0; }
    return copy;
}

// Decodes from either a memory source or a FILE (exactly one non-null).
static int decode(memory_source *source, FILE *file, cpngd_image *image, char *message, size_t capacity) {
    memset(image, 0, sizeof(*image));
    error_sink errors = { message, capacity };
    png_structp volatile png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &errors, on_error, on_warning);
    if (png == NULL) {
        set_message(message, capacity, "png_create_read_struct failed");
        return CPNGD_ERR_MEMORY;
    }
    png_infop volatile info = png_create_info_struct(png);
    png_infop volatile end_info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (info == NULL || end_info == NULL) {
        png_structp p = png; png_infop i = info, e = end_info;
        png_destroy_read_struct(&p, i ? &i : NULL, e ? &e : NULL);
        set_message(message, capacity, "png_create_info_struct failed");
        return CPNGD_ERR_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_structp p = png; png_infop i = info, e = end_info;
        png_destroy_read_struct(&p, &i, &e);
        free(rows);
        cpngd_image_free(image);
        return CPNGD_ERR_LIBPNG;
    }
    if (source) png_set_read_fn(png, source, read_from_memory);
    else png_init_io(png, file);

    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int colour = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (depth == 16) png_set_strip_16(png);
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_RGB || colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_PALETTE)
        png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 4) png_error(png, "unexpected row size after expansion to RGBA8");

    image->width = width;
    image->height = height;
    image->rgba = malloc((size_t)width * height * 4);
    rows = malloc(sizeof(png_bytep) * height);
    if (image->rgba == NULL || rows == NULL) png_error(png, "out of memory while decoding PNG");
    for (png_uint_32 r = 0; r < height; r++) rows[r] = image->rgba + (size_t)r * width * 4;
    png_read_image(png, rows);
    png_read_end(png, end_info);

    png_uint_32 px = 0, py = 0;
    int unit = 0;
    if (png_get_pHYs(png, info, &px, &py, &unit)) {
        image->has_phys = 1;
        image->phys_x = px;
        image->phys_y = py;
        image->phys_unit_is_metre = unit == PNG_RESOLUTION_METER;
    }
    // Text chunks may sit before or after the image data.
    png_textp before = NULL, after = NULL;
    int count_before = png_get_text(png, info, &before, NULL);
    int count_after = png_get_text(png, end_info, &after, NULL);
    size_t total = (size_t)count_before + (size_t)count_after;
    if (total > 0) {
        image->text_keys = calloc(total, sizeof(char *));
        image->text_values = calloc(total, sizeof(char *));
        image->text_value_lengths = calloc(total, sizeof(size_t));
        if (!image->text_keys || !image->text_values || !image->text_value_lengths)
            png_error(png, "out of memory for text chunks");
        for (size_t k = 0; k < total; k++) {
            png_textp t = k < (size_t)count_before ? &before[k] : &after[k - count_before];
            size_t length = t->compression >= PNG_ITXT_COMPRESSION_NONE ? t->itxt_length : t->text_length;
            if (t->text == NULL) length = 0;
            image->text_keys[k] = copy_string(t->key, strlen(t->key));
            image->text_values[k] = copy_string(t->text ? t->text : "", length);
            image->text_value_lengths[k] = length;
            image->text_count = k + 1;
            if (!image->text_keys[k] || !image->text_values[k]) png_error(png, "out of memory for text chunks");
        }
    }
    png_structp p = png; png_infop i = info, e = end_info;
    png_destroy_read_struct(&p, &i, &e);
    free(rows);
    return CPNGD_OK;
}

int cpngd_decode_memory(const uint8_t *bytes, size_t length, cpngd_image *image,
                       char *message, size_t message_capacity) {
    if (image == NULL) { set_message(message, message_capacity, "null image"); return CPNGD_ERR_ARGUMENT; }
    memset(image, 0, sizeof(*image));
    if (bytes == NULL || length < 8 || png_sig_cmp(bytes, 0, 8) != 0) {
        set_message(message, message_capacity, "not a PNG (bad signature)");
        return CPNGD_ERR_ARGUMENT;
    }
    memory_source source = { bytes, length, 0 };
    return decode(&source, NULL, image, message, message_capacity);
}

int cpngd_decode_file(const char *path, cpngd_image *image, char *message, size_t message_capacity) {
    if (image == NULL || path == NULL) { set_message(message, message_capacity, "null argument"); return CPNGD_ERR_ARGUMENT; }
    memset(image, 0, sizeof(*image));
    FILE *file = fopen(path, "rb");
    if (file == NULL) { set_message(message, message_capacity, "cannot open file"); return CPNGD_ERR_IO; }
    png_byte signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        set_message(message, message_capacity, "not a PNG (bad signature)");
        return CPNGD_ERR_ARGUMENT;
    }
    rewind(file);
    int code = decode(NULL, file, image, message, message_capacity);
    fclose(file);
    return code;
}

void cpngd_image_free(cpngd_image *image) {
    if (image == NULL) return;
    free(image->rgba);
    for (size_t k = 0; k < image->text_count; k++) {
        if (image->text_keys) free(image->text_keys[k]);
        if (image->text_values) free(image->text_values[k]);
    }
    free(image->text_keys);
    free(image->text_values);
    free(image->text_value_lengths);
    memset(image, 0, sizeof(*image));
}

