#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
/* Swift drops macros built from other macros with operators; re-export them. */
static const png_uint_32 CPNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const png_uint_32 CPNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 CPNG_FORMAT_RGBA = PNG_FORMAT_RGBA;

/*
 * Exact PNG decoding and encoding with libpng's classic API, for Vision's image I/O.
 *
 * The simplified png_image API cannot be used there: it converts 16-bit samples to linear light
 * and premultiplies their alpha, so a 16-bit grey+alpha or RGBA file does not round-trip. libpng
 * reports errors by longjmp, which Swift cannot catch, so the setjmp lives here, in C: these
 * functions return 0 and fill `message` instead of jumping out. No libpng pointer escapes.
 */

/** A decoded image: rows packed, `channels` samples per pixel, 16-bit samples big-endian. */
typedef struct {
    png_uint_32 width;
    png_uint_32 height;
    int channels;  /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA (after palette/tRNS expansion) */
    int bit_depth; /* 8 or 16 (1, 2 and 4-bit files are expanded to 8) */
    int color_type; /* the file's PNG colour type (3 = palette) */
    int file_bit_depth;
    unsigned char *pixels; /* malloc'd; free with cpng_free */
    char message[256];
} cpng_decoded;

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
    char *message;
} cpng_reader;

typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int failed;
} cpng_writer;

static inline void cpng_error_fn(png_structp png, png_const_charp text) {
    char *message = (char *)png_get_error_ptr(png);
    if (message) {
        strncpy(message, text ? text : "libpng error", 255);
        message[255] = 0;
    }
    png_longjmp(png, 1);
}

static inline void cpng_warning_fn(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static inline void cpng_read_fn(png_structp png, png_bytep out, png_size_t count) {
    cpng_reader *reader = (cpng_reader *)png_get_io_ptr(png);
    if (reader->size - reader->offset < count) {
        png_error(png, "the file is truncated");
        return;
    }
    memcpy(out, reader->data + reader->offset, count);
    reader->offset += count;
}

static inline void cpng_write_fn(png_structp png, png_bytep bytes, png_size_t count) {
    cpng_writer *writer = (cpng_writer *)png_get_io_ptr(png);
    if (writer->size + count > writer->capacity) {
        size_t capacity = writer->capacity ? writer->capacity : 4096;
        while (capacity < writer->size + count) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(writer->data, capacity);
        if (!grown) {
            writer->failed = 1;
            png_error(png, "out of memory");
            return;
        }
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, bytes, count);
    writer->size += count;
}

static inline void cpng_flush_fn(png_structp png) { (void)png; }

/** Frees what cpng_decode allocated. */
static inline void cpng_free(cpng_decoded *image) {
    free(image->pixels);
    image->pixels = NULL;
}

/** Frees a buffer returned by cpng_encode. */
static inline void cpng_free_buffer(unsigned char *buffer) { free(buffer); }

/**
 * Decodes a whole PNG file held in memory. Palettes become RGB (RGBA with tRNS), grey below 8 bits
 * becomes 8-bit grey, tRNS becomes an alpha channel; 16-bit samples stay 16-bit; interlaced files
 * are de-interlaced. No gamma or colour-space conversion: samples are the file's own values.
 * Returns 1 on success; 0 with `out->message` set on failure.
 */
static inline int cpng_decode(const unsigned char *data, size_t size, cpng_decoded *out) {
    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        strcpy(out->message, "not a PNG file (bad signature)");
        return 0;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out->message, cpng_error_fn,
                                             cpng_warning_fn);
    if (!png) {
        strcpy(out->message, "libpng could not start");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    cpng_reader reader = {data, size, 0, out->message};
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        strcpy(out->message, "libpng could not start");
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        free(out->pixels);
        out->pixels = NULL;
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    png_set_read_fn(png, &reader, cpng_read_fn);
    png_read_info(png, info);
    out->color_type = png_get_color_type(png, info);
    out->file_bit_depth = png_get_bit_depth(png, info);
    png_set_expand(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->channels = png_get_channels(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (out->height == 0 || rowbytes == 0) png_error(png, "the image is empty");
    out->pixels = (unsigned char *)malloc(rowbytes * out->height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * out->height);
    if (!out->pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < out->height; y++) rows[y] = out->pixels + y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free((void *)rows);
    png_destroy_read_struct(&png, &info, NULL);
    return 1;
}

/**
 * Encodes packed rows (16-bit samples big-endian) as a PNG in memory, with no time or text chunks,
 * so the same pixels always give the same bytes. `color_type` is a PNG colour type; for a palette
 * image (3), `pixels` holds one index byte per pixel and `palette` holds `palette_count` RGB
 * triples, `alphas` (if not NULL) `alpha_count` tRNS entries. Returns 1 and a malloc'd buffer in
 * `*result` (free with cpng_free_buffer); 0 with `message` (256 bytes) set on failure.
 */
static inline int cpng_encode(const unsigned char *pixels, png_uint_32 width, png_uint_32 height,
                              int color_type, int bit_depth, const unsigned char *palette,
                              int palette_count, const unsigned char *alphas, int alpha_count,
                              unsigned char **result, size_t *result_size, char *message) {
    *result = NULL;
    *result_size = 0;
    message[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, cpng_error_fn,
                                              cpng_warning_fn);
    if (!png) {
        strcpy(message, "libpng could not start");
        return 0;
    }
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    cpng_writer writer = {NULL, 0, 0, 0};
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        strcpy(message, "libpng could not start");
        return 0;
    }
    if (setjmp(png_jmpbuf(png))) {
        free((void *)rows);
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        return 0;
    }
    int channels = color_type == PNG_COLOR_TYPE_GRAY         ? 1
                   : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                   : color_type == PNG_COLOR_TYPE_RGB        ? 3
                   : color_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                             : 1;
    size_t rowbytes = (size_t)width * channels * (bit_depth == 16 ? 2 : 1);
    png_set_write_fn(png, &writer, cpng_write_fn, cpng_flush_fn);
    png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color entries[256];
        for (int i = 0; i < palette_count && i < 256; i++) {
            entries[i].red = palette[3 * i];
            entries[i].green = palette[3 * i + 1];
            entries[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, entries, palette_count);
        if (alphas && alpha_count > 0) png_set_tRNS(png, info, alphas, alpha_count, NULL);
    }
    png_write_info(png, info);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (height ? height : 1));
    if (!rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + y * rowbytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free((void *)rows);
    png_destroy_write_struct(&png, &info);
    *result = writer.data;
    *result_size = writer.size;
    return 1;
}
#endif
