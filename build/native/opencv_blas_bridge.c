/* OpenCV's BLAS/LAPACK, answered by NumPy's OpenBLAS.
 *
 * The opencv-python wheel carries its own OpenBLAS (39 MB) beside NumPy's (25 MB). OpenCV
 * calls only the 4 matrix products and 15 LAPACK routines below. This library takes the file
 * name (SONAME) of OpenCV's OpenBLAS and forwards each call to NumPy's copy, which is built
 * with 64-bit integers and "scipy_" names ("ILP64"): integers are widened on the way in,
 * status codes and pivot indices narrowed on the way out.
 *
 * Compiled by build/native_libs.py against the NumPy in the build environment, which also
 * checks the result against NumPy before the bundle ships it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

typedef int64_t i64;

/* ----------------------------------------------------------------- CBLAS matrix products */

extern void scipy_cblas_sgemm64_(int, int, int, i64, i64, i64, float, const float *, i64,
                                 const float *, i64, float, float *, i64);
extern void scipy_cblas_dgemm64_(int, int, int, i64, i64, i64, double, const double *, i64,
                                 const double *, i64, double, double *, i64);
extern void scipy_cblas_cgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64,
                                 const void *, i64, const void *, void *, i64);
extern void scipy_cblas_zgemm64_(int, int, int, i64, i64, i64, const void *, const void *, i64,
                                 const void *, i64, const void *, void *, i64);

EXPORT void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta, float *c,
                        int ldc) {
    scipy_cblas_sgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

EXPORT void cblas_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha,
                        const double *a, int lda, const double *b, int ldb, double beta,
                        double *c, int ldc) {
    scipy_cblas_dgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

EXPORT void cblas_cgemm(int order, int ta, int tb, int m, int n, int k, const void *alpha,
                        const void *a, int lda, const void *b, int ldb, const void *beta,
                        void *c, int ldc) {
    scipy_cblas_cgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

EXPORT void cblas_zgemm(int order, int ta, int tb, int m, int n, int k, const void *alpha,
                        const void *a, int lda, const void *b, int ldb, const void *beta,
                        void *c, int ldc) {
    scipy_cblas_zgemm64_(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* ------------------------------------------------------------------------------ LAPACK
 * Fortran calling convention: every argument by pointer, and one hidden length per
 * character argument after the others (always 1 here). Callers that leave the hidden
 * lengths out are fine too: they are never read on this side. */

#define W(x) i64 x##64 = *(x)
#define SLEN size_t

/* Pivot or workspace integers: a 64-bit copy, at least one element. */
static i64 *wide_ints(i64 count) {
    return (i64 *)calloc((size_t)(count > 0 ? count : 1), sizeof(i64));
}

static void narrow_ints(const i64 *src, int *dst, i64 count) {
    for (i64 i = 0; i < count; i++) dst[i] = (int)src[i];
}

static i64 min64(i64 a, i64 b) { return a < b ? a : b; }

/* Status when a 64-bit copy could not be allocated: a LAPACK "illegal value" code. */
#define NO_MEMORY (-1000)

#define GESV(T, P)                                                                          \
    extern void scipy_##P##gesv_64_(const i64 *, const i64 *, T *, const i64 *, i64 *, T *, \
                                    const i64 *, i64 *);                                   \
    EXPORT int P##gesv_(const int *n, const int *nrhs, T *a, const int *lda, int *ipiv,     \
                        T *b, const int *ldb, int *info) {                                  \
        W(n); W(nrhs); W(lda); W(ldb); i64 info64 = 0;                                       \
        i64 *piv = wide_ints(n64);                                                          \
        if (!piv) { *info = NO_MEMORY; return 0; }                                           \
        scipy_##P##gesv_64_(&n64, &nrhs64, a, &lda64, piv, b, &ldb64, &info64);              \
        narrow_ints(piv, ipiv, n64);                                                        \
        free(piv);                                                                          \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define GETRF(T, P)                                                                         \
    extern void scipy_##P##getrf_64_(const i64 *, const i64 *, T *, const i64 *, i64 *,     \
                                     i64 *);                                               \
    EXPORT int P##getrf_(const int *m, const int *n, T *a, const int *lda, int *ipiv,       \
                         int *info) {                                                       \
        W(m); W(n); W(lda); i64 info64 = 0;                                                  \
        i64 count = min64(m64, n64);                                                        \
        i64 *piv = wide_ints(count);                                                        \
        if (!piv) { *info = NO_MEMORY; return 0; }                                           \
        scipy_##P##getrf_64_(&m64, &n64, a, &lda64, piv, &info64);                           \
        narrow_ints(piv, ipiv, count);                                                      \
        free(piv);                                                                          \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define POSV(T, P)                                                                          \
    extern void scipy_##P##posv_64_(const char *, const i64 *, const i64 *, T *,            \
                                    const i64 *, T *, const i64 *, i64 *, SLEN);            \
    EXPORT int P##posv_(const char *uplo, const int *n, const int *nrhs, T *a,              \
                        const int *lda, T *b, const int *ldb, int *info) {                  \
        W(n); W(nrhs); W(lda); W(ldb); i64 info64 = 0;                                       \
        scipy_##P##posv_64_(uplo, &n64, &nrhs64, a, &lda64, b, &ldb64, &info64, 1);          \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define POTRF(T, P)                                                                         \
    extern void scipy_##P##potrf_64_(const char *, const i64 *, T *, const i64 *, i64 *,    \
                                     SLEN);                                                \
    EXPORT int P##potrf_(const char *uplo, const int *n, T *a, const int *lda, int *info) { \
        W(n); W(lda); i64 info64 = 0;                                                        \
        scipy_##P##potrf_64_(uplo, &n64, a, &lda64, &info64, 1);                             \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define GEQRF(T, P)                                                                         \
    extern void scipy_##P##geqrf_64_(const i64 *, const i64 *, T *, const i64 *, T *, T *,  \
                                     const i64 *, i64 *);                                  \
    EXPORT int P##geqrf_(const int *m, const int *n, T *a, const int *lda, T *tau, T *work, \
                         const int *lwork, int *info) {                                     \
        W(m); W(n); W(lda); W(lwork); i64 info64 = 0;                                        \
        scipy_##P##geqrf_64_(&m64, &n64, a, &lda64, tau, work, &lwork64, &info64);           \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define GELS(T, P)                                                                          \
    extern void scipy_##P##gels_64_(const char *, const i64 *, const i64 *, const i64 *,    \
                                    T *, const i64 *, T *, const i64 *, T *, const i64 *,   \
                                    i64 *, SLEN);                                          \
    EXPORT int P##gels_(const char *trans, const int *m, const int *n, const int *nrhs,     \
                        T *a, const int *lda, T *b, const int *ldb, T *work,                \
                        const int *lwork, int *info) {                                      \
        W(m); W(n); W(nrhs); W(lda); W(ldb); W(lwork); i64 info64 = 0;                       \
        scipy_##P##gels_64_(trans, &m64, &n64, &nrhs64, a, &lda64, b, &ldb64, work,          \
                            &lwork64, &info64, 1);                                          \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

/* iwork holds 8*min(m,n) integers that only LAPACK reads and writes: a private copy. */
#define GESDD(T, P)                                                                         \
    extern void scipy_##P##gesdd_64_(const char *, const i64 *, const i64 *, T *,           \
                                     const i64 *, T *, T *, const i64 *, T *, const i64 *,  \
                                     T *, const i64 *, i64 *, i64 *, SLEN);                \
    EXPORT int P##gesdd_(const char *jobz, const int *m, const int *n, T *a,                \
                         const int *lda, T *s, T *u, const int *ldu, T *vt,                 \
                         const int *ldvt, T *work, const int *lwork, int *iwork,            \
                         int *info) {                                                       \
        W(m); W(n); W(lda); W(ldu); W(ldvt); W(lwork); i64 info64 = 0;                       \
        (void)iwork;                                                                        \
        i64 *iw = wide_ints(8 * min64(m64, n64));                                           \
        if (!iw) { *info = NO_MEMORY; return 0; }                                            \
        scipy_##P##gesdd_64_(jobz, &m64, &n64, a, &lda64, s, u, &ldu64, vt, &ldvt64, work,   \
                             &lwork64, iw, &info64, 1);                                     \
        free(iw);                                                                           \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define GEEV(T, P)                                                                          \
    extern void scipy_##P##geev_64_(const char *, const char *, const i64 *, T *,           \
                                    const i64 *, T *, T *, T *, const i64 *, T *,           \
                                    const i64 *, T *, const i64 *, i64 *, SLEN, SLEN);     \
    EXPORT int P##geev_(const char *jobvl, const char *jobvr, const int *n, T *a,           \
                        const int *lda, T *wr, T *wi, T *vl, const int *ldvl, T *vr,        \
                        const int *ldvr, T *work, const int *lwork, int *info) {            \
        W(n); W(lda); W(ldvl); W(ldvr); W(lwork); i64 info64 = 0;                            \
        scipy_##P##geev_64_(jobvl, jobvr, &n64, a, &lda64, wr, wi, vl, &ldvl64, vr, &ldvr64, \
                            work, &lwork64, &info64, 1, 1);                                 \
        *info = (int)info64;                                                                \
        return 0;                                                                           \
    }

#define ALL(T, P) GESV(T, P) GETRF(T, P) POSV(T, P) POTRF(T, P) GEQRF(T, P) GELS(T, P) \
    GESDD(T, P) GEEV(T, P)

ALL(float, s)
ALL(double, d)
