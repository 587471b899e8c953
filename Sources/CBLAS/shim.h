#ifndef IMFL_CBLAS_SHIM_H
#define IMFL_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface (libopenblas-dev). Debian installs it under the multiarch include
// directory, which the compiler searches by default.
#include <cblas.h>
#endif
