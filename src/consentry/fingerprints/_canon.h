/* Shared declarations of the compiled canon-v1/v2 kernel (_canon*.c; see _canon.c). */
#ifndef CONSENTRY_CANON_H
#define CONSENTRY_CANON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0x100000001B3ULL
#define UNKNOWN 0xFFFFFFFDu /* table entry not computed yet */
#define DROP 0xFFFFFFFEu    /* folds to nothing */
#define MULTI 0xFFFFFFFFu   /* folds to several code points: ask Python each time */
/* SOLO | c: folds to (separator, c, separator), a token of its own (canon-v2's Han, Kana and
 * Thai characters); below UNKNOWN, as code points are below 0x110000 */
#define SOLO 0x80000000u
#define TABLE_SIZE 65536

/* not exported from the shared library */
#define HIDDEN __attribute__((visibility("hidden")))

/* _canon_buffers.c: pooled blocks, and arrays handed to Python without a copy */
HIDDEN char *pool_get(size_t want, size_t *got);
HIDDEN void pool_put(char *p, size_t size);
HIDDEN int buffers_ready(void);

/* A growable array. cap is what was asked for (parallel vectors grow in step: their caps
 * stay equal), bytes the size of the block, which a pooled block can exceed. */
typedef struct {
    char *p;
    Py_ssize_t n, cap, item;
    size_t bytes;
} vec_t;

static inline int vec_init(vec_t *v, Py_ssize_t item, Py_ssize_t cap) {
    v->item = item;
    v->n = 0;
    v->cap = cap < 16 ? 16 : cap;
    v->p = pool_get((size_t)(v->cap * item), &v->bytes);
    if (!v->p) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline int vec_grow(vec_t *v) {
    Py_ssize_t cap = v->cap * 2;
    if ((size_t)(cap * v->item) > v->bytes) {
        char *p = (char *)realloc(v->p, (size_t)(cap * v->item));
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        v->p = p;
        v->bytes = (size_t)(cap * v->item);
    }
    v->cap = cap;
    return 0;
}

/* Gives the vector's memory back to the pool (after an error, or for scratch vectors). */
static inline void vec_release(vec_t *v) {
    pool_put(v->p, v->bytes);
    v->p = NULL;
}

/* The vector's memory handed to a Buf (the vector is left empty). */
HIDDEN PyObject *vec_take(vec_t *v);

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    return h;
}

#define POW_TABLE 256
extern HIDDEN uint64_t pow_table[POW_TABLE];
HIDDEN void init_pow_table(void);

/* B**e mod 2**64 */
static inline uint64_t pow_b(int64_t e) {
    if (e < POW_TABLE)
        return pow_table[e];
    uint64_t r = 1, x = BASE;
    while (e) {
        if (e & 1)
            r *= x;
        x *= x;
        e >>= 1;
    }
    return r;
}

/* _canon_words.c: the fold of one code point from Python (spec.fold_char through kernel._c_fold)
 * into out, and a table entry computed on first use */
#define MAX_EXPANSION 64
HIDDEN Py_ssize_t expand(PyObject *fold, Py_UCS4 cp, uint32_t *out);
HIDDEN int fill_entry(uint32_t *table, PyObject *fold, Py_UCS4 cp);

/* code point i of a str's data, by kind */
#define READ1(d, i) ((Py_UCS4)((const Py_UCS1 *)(d))[i])
#define READ2(d, i) ((Py_UCS4)((const Py_UCS2 *)(d))[i])
#define READ4(d, i) ((Py_UCS4)((const Py_UCS4 *)(d))[i])

/* Step 1 at a '-' at i (whose previous code point is a word character): the end of the
 * deleted range, or -1 when there is no hyphenated line break here. */
#define HYPHEN_END(READ)                                                                  \
    static inline Py_ssize_t hyphen_end_##READ(const void *data, Py_ssize_t n,            \
                                               Py_ssize_t i) {                            \
        Py_ssize_t j = i + 1;                                                             \
        while (j < n && (READ(data, j) == ' ' || READ(data, j) == '\t'))                  \
            j++;                                                                          \
        if (j + 1 < n && READ(data, j) == '\r' && READ(data, j + 1) == '\n')              \
            j += 2;                                                                       \
        else if (j < n && READ(data, j) == '\n')                                          \
            j += 1;                                                                       \
        else                                                                              \
            return -1;                                                                    \
        while (j < n && Py_UNICODE_ISSPACE(READ(data, j)))                                \
            j++;                                                                          \
        if (j < n && Py_UNICODE_ISALNUM(READ(data, j)))                                   \
            return j;                                                                     \
        return -1;                                                                        \
    }

HYPHEN_END(READ1)
HYPHEN_END(READ2)
HYPHEN_END(READ4)

/* the module's functions: _canon_words.c, _canon_text.c, _canon_index.c */
HIDDEN PyObject *canon(PyObject *self, PyObject *args);
HIDDEN PyObject *candidates(PyObject *self, PyObject *args);
HIDDEN PyObject *grams(PyObject *self, PyObject *args);
HIDDEN PyObject *words_text(PyObject *self, PyObject *args);
HIDDEN PyObject *bloom_build(PyObject *self, PyObject *args);
HIDDEN PyObject *lookup(PyObject *self, PyObject *args);

#endif
