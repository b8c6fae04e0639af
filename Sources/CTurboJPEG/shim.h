#ifndef CTURBOJPEG_SHIM_H
#define CTURBOJPEG_SHIM_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

/*
 * JPEG decoding with libjpeg-turbo's TurboJPEG API, for Vision's image I/O.
 *
 * TurboJPEG catches libjpeg's errors itself (it returns -1 instead of jumping out), so no setjmp is
 * needed here; this file only keeps the handle, the buffer and the message on the C side, so that no
 * TurboJPEG pointer escapes into Swift. Decoding uses libjpeg's defaults, as Pillow does: the accurate
 * integer IDCT (JDCT_ISLOW) and fancy (smooth) chroma upsampling.
 */

/** A decoded image: rows packed from the top, `channels` 8-bit samples per pixel. */
typedef struct {
    int width;
    int height;
    int channels;    /* 1 grey, 3 RGB, 4 CMYK exactly as stored (Adobe files store it inverted) */
    int colorspace;  /* the file's TJCS_* colour space */
    int subsampling; /* the file's TJSAMP_* chroma subsampling, -1 when TurboJPEG cannot name it */
    int warning;     /* 1 when libjpeg warned: the pixels were written but the data was damaged */
    unsigned char *pixels; /* malloc'd; free with ctj_free */
    char message[256];     /* the message for an error, or libjpeg's first warning */
    int from_libjpeg;      /* 1 when `message` is libjpeg-turbo's, 0 when it is this file's own */
} ctj_decoded;

/** Frees what ctj_decode allocated. */
static inline void ctj_free(ctj_decoded *image) {
    free(image->pixels);
    image->pixels = NULL;
}

static inline void ctj_copy_message(ctj_decoded *out, tjhandle handle) {
    const char *text = tjGetErrorStr2(handle);
    strncpy(out->message, text ? text : "unknown error", sizeof(out->message) - 1);
    out->message[sizeof(out->message) - 1] = 0;
    out->from_libjpeg = 1;
}

/**
 * Decodes a whole JPEG file held in memory: grey stays grey, YCbCr and RGB files become RGB, CMYK and
 * YCCK files become CMYK. Progressive files with more than 500 scans are refused (TJFLAG_LIMITSCANS,
 * libjpeg-turbo's guard against files built to take minutes), and so is a picture of more than
 * `max_pixels` pixels, before anything is allocated for it.
 *
 * Returns 1 on success (then `out->warning` tells whether libjpeg warned, with the first warning in
 * `out->message`); 0 with `out->message` set on failure. TurboJPEG 2.1 reports an error that follows
 * a warning as a warning (tjGetErrorCode looks at the warning flag), with the error's message: a
 * caller treats `warning` as success only for a message it knows to be harmless.
 */
static inline int ctj_decode(const unsigned char *data, size_t size, long max_pixels, ctj_decoded *out) {
    memset(out, 0, sizeof(*out));
    out->subsampling = -1;
    tjhandle handle = tjInitDecompress();
    if (!handle) {
        strcpy(out->message, "libjpeg-turbo could not start");
        return 0;
    }
    int width = 0, height = 0, subsampling = -1, colorspace = -1;
    /* TurboJPEG 2.1's header call also fails on a warning, and on chroma sampling it has no TJSAMP_*
     * name for (libjpeg and Pillow decode such files), after it has read the size and colour space:
     * with those known, tjDecompress2 is left to decode the file or give its own error. */
    if (tjDecompressHeader3(handle, data, (unsigned long)size, &width, &height, &subsampling,
                            &colorspace) != 0 &&
        (width <= 0 || height <= 0 || colorspace < 0)) {
        ctj_copy_message(out, handle);
        tjDestroy(handle);
        return 0;
    }
    out->width = width;
    out->height = height;
    out->subsampling = subsampling;
    out->colorspace = colorspace;
    if (width <= 0 || height <= 0) {
        strcpy(out->message, "the file holds no image (no frame header before its end)");
        tjDestroy(handle);
        return 0;
    }
    if ((long)width * (long)height > max_pixels) {
        snprintf(out->message, sizeof(out->message),
                 "%d x %d pixels is more than the %ld a picture may have", width, height, max_pixels);
        tjDestroy(handle);
        return 0;
    }
    int format = TJPF_RGB;
    out->channels = 3;
    if (colorspace == TJCS_GRAY) {
        format = TJPF_GRAY;
        out->channels = 1;
    } else if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
        format = TJPF_CMYK;
        out->channels = 4;
    }
    size_t count = (size_t)width * (size_t)height * (size_t)out->channels;
    /* Zeroed, so that no byte of the buffer is ever undefined, even when libjpeg stops part-way. */
    out->pixels = (unsigned char *)calloc(count, 1);
    if (!out->pixels) {
        strcpy(out->message, "out of memory");
        tjDestroy(handle);
        return 0;
    }
    if (tjDecompress2(handle, data, (unsigned long)size, out->pixels, width, 0, height, format,
                      TJFLAG_LIMITSCANS) != 0) {
        ctj_copy_message(out, handle);
        if (tjGetErrorCode(handle) != TJERR_WARNING) {
            ctj_free(out);
            tjDestroy(handle);
            return 0;
        }
        out->warning = 1;
    }
    tjDestroy(handle);
    return 1;
}
#endif
