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

void cpng_free(void *pointer) { free(pointer); }
