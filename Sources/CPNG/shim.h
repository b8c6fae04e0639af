#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
#include <png.h>
/* Swift drops macros built from other macros with operators; re-export them. */
static const png_uint_32 CPNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const png_uint_32 CPNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 CPNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
#endif
