// Classic libpng API behind setjmp: no longjmp ever leaves this file.
#include "CPNG.h"
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

// MARK: encoding into a growing memory buffer

typedef struct {
    uint8_t *data;
    size_t length;
    size_t capacity;
    int failed;
} memory_sink;

static void write_to_memory(png_structp png, png_bytep data, png_size_t length) {
    memory_sink *sink = (memory_sink *)png_get_io_ptr(png);
    if (sink->failed) return;
    if (sink->length + length > sink->capacity) {
        size_t capacity = sink->capacity ? sink->capacity : 65536;
        while (capacity < sink->length + length) capacity *= 2;
        uint8_t *grown = realloc(sink->data, capacity);
        if (grown == NULL) { sink->failed = 1; png_error(png, "out of memory while encoding PNG"); }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->length, data, length);
    sink->length += length;
}

static void flush_memory(png_structp png) { (void)png; }

static int is_ascii(const char *value, size_t length) {
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c >= 0x80 || c == 0) return 0;
    }
    return 1;
}

int cpng_encode_rgba(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride,
                     double dpi, const cpng_text_in *texts, size_t text_count,
                     uint8_t **out, size_t *out_length, char *message, size_t message_capacity) {
    if (out == NULL || out_length == NULL || pixels == NULL) {
        set_message(message, message_capacity, "null argument");
        return CPNG_ERR_ARGUMENT;
    }
    *out = NULL;
    *out_length = 0;
    if (width == 0 || height == 0 || stride < (size_t)width * 4) {
        set_message(message, message_capacity, "image must be at least 1x1 with stride >= 4*width");
        return CPNG_ERR_ARGUMENT;
    }
    for (size_t i = 0; i < text_count; i++) {
        size_t key_length = texts[i].key ? strlen(texts[i].key) : 0;
        if (key_length < 1 || key_length > 79) {
            set_message(message, message_capacity, "text key must be 1 to 79 bytes");
            return CPNG_ERR_ARGUMENT;
        }
    }

    error_sink errors = { message, message_capacity };
    memory_sink sink = { NULL, 0, 0, 0 };
    png_textp chunks = NULL;
    // volatile: these are read after a longjmp back into this frame.
    png_structp volatile png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &errors, on_error, on_warning);
    if (png == NULL) {
        set_message(message, message_capacity, "png_create_write_struct failed");
        return CPNG_ERR_MEMORY;
    }
    png_infop volatile info = png_create_info_struct(png);
    if (info == NULL) {
        png_structp p = png;
        png_destroy_write_struct(&p, NULL);
        set_message(message, message_capacity, "png_create_info_struct failed");
        return CPNG_ERR_MEMORY;
    }
    if (text_count > 0) {
        chunks = calloc(text_count, sizeof(png_text));
        if (chunks == NULL) {
            png_structp p = png; png_infop i = info;
            png_destroy_write_struct(&p, &i);
            set_message(message, message_capacity, "out of memory for text chunks");
            return CPNG_ERR_MEMORY;
        }
    }
    png_textp volatile chunk_list = chunks;

    if (setjmp(png_jmpbuf(png))) {
        png_structp p = png; png_infop i = info;
        png_destroy_write_struct(&p, &i);
        free(chunk_list);
        free(sink.data);
        return CPNG_ERR_LIBPNG;
    }

    png_set_write_fn(png, &sink, write_to_memory, flush_memory);
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (dpi > 0) {
        png_uint_32 per_metre = (png_uint_32)(dpi / 0.0254 + 0.5);
        png_set_pHYs(png, info, per_metre, per_metre, PNG_RESOLUTION_METER);
    }
    for (size_t i = 0; i < text_count; i++) {
        chunk_list[i].key = (png_charp)texts[i].key;
        chunk_list[i].text = (png_charp)texts[i].value;
        if (is_ascii(texts[i].value, texts[i].value_length)) {
            chunk_list[i].compression = PNG_TEXT_COMPRESSION_NONE;
            chunk_list[i].text_length = texts[i].value_length;
        } else {
            chunk_list[i].compression = PNG_ITXT_COMPRESSION_NONE;
            chunk_list[i].itxt_length = texts[i].value_length;
            chunk_list[i].lang = NULL;
            chunk_list[i].lang_key = NULL;
        }
    }
    if (text_count > 0) png_set_text(png, info, chunk_list, (int)text_count);
    png_write_info(png, info);
    for (uint32_t row = 0; row < height; row++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)row * stride));
    }
    png_write_end(png, info);

    png_structp p = png; png_infop i = info;
    png_destroy_write_struct(&p, &i);
    free(chunk_list);
    *out = sink.data;
    *out_length = sink.length;
    return CPNG_OK;
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
static int decode(memory_source *source, FILE *file, cpng_image *image, char *message, size_t capacity) {
    memset(image, 0, sizeof(*image));
    error_sink errors = { message, capacity };
    png_structp volatile png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &errors, on_error, on_warning);
    if (png == NULL) {
        set_message(message, capacity, "png_create_read_struct failed");
        return CPNG_ERR_MEMORY;
    }
    png_infop volatile info = png_create_info_struct(png);
    png_infop volatile end_info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (info == NULL || end_info == NULL) {
        png_structp p = png; png_infop i = info, e = end_info;
        png_destroy_read_struct(&p, i ? &i : NULL, e ? &e : NULL);
        set_message(message, capacity, "png_create_info_struct failed");
        return CPNG_ERR_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_structp p = png; png_infop i = info, e = end_info;
        png_destroy_read_struct(&p, &i, &e);
        free(rows);
        cpng_image_free(image);
        return CPNG_ERR_LIBPNG;
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
    return CPNG_OK;
}

int cpng_decode_memory(const uint8_t *bytes, size_t length, cpng_image *image,
                       char *message, size_t message_capacity) {
    if (image == NULL) { set_message(message, message_capacity, "null image"); return CPNG_ERR_ARGUMENT; }
    memset(image, 0, sizeof(*image));
    if (bytes == NULL || length < 8 || png_sig_cmp(bytes, 0, 8) != 0) {
        set_message(message, message_capacity, "not a PNG (bad signature)");
        return CPNG_ERR_ARGUMENT;
    }
    memory_source source = { bytes, length, 0 };
    return decode(&source, NULL, image, message, message_capacity);
}

int cpng_decode_file(const char *path, cpng_image *image, char *message, size_t message_capacity) {
    if (image == NULL || path == NULL) { set_message(message, message_capacity, "null argument"); return CPNG_ERR_ARGUMENT; }
    memset(image, 0, sizeof(*image));
    FILE *file = fopen(path, "rb");
    if (file == NULL) { set_message(message, message_capacity, "cannot open file"); return CPNG_ERR_IO; }
    png_byte signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        set_message(message, message_capacity, "not a PNG (bad signature)");
        return CPNG_ERR_ARGUMENT;
    }
    rewind(file);
    int code = decode(NULL, file, image, message, message_capacity);
    fclose(file);
    return code;
}

void cpng_image_free(cpng_image *image) {
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

void cpng_free(void *pointer) { free(pointer); }
