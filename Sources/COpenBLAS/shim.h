#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
/* pkg-config "openblas" adds -I.../openblas-pthread, so this is OpenBLAS's own cblas.h
   (which also declares openblas_set_num_threads). */
#include <cblas.h>
#endif
