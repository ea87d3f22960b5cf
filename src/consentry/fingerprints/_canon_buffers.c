/* Memory for the kernel's arrays: a pool of freed blocks, and Buf, the object that hands an
 * array to Python (numpy.frombuffer) without a copy. */
#include "_canon.h"

/* A small pool of freed blocks, reused by the next batch. The scanner allocates the same few
 * arrays for every batch; fresh memory costs a page fault per 4 KiB on first touch (and
 * glibc returns blocks this large to the system on free), which cost more than the kernel
 * itself. At most POOL_SLOTS blocks and POOL_BYTES in all are kept; all access is under the
 * GIL. */
#define POOL_SLOTS 16
#define POOL_BYTES ((size_t)96 << 20)
static struct {
    char *p;
    size_t size;
} pool[POOL_SLOTS];
static int pool_n;
static size_t pool_bytes;

/* A block of at least want bytes (the smallest pooled one that fits, else a new one).
 * Built with -DCANON_NO_POOL (for AddressSanitizer runs), blocks are exact and never kept. */
char *pool_get(size_t want, size_t *got) {
#ifdef CANON_NO_POOL
    *got = want;
    return (char *)malloc(want);
#endif
    int best = -1;
    for (int i = 0; i < pool_n; i++) {
        if (pool[i].size >= want && (best < 0 || pool[i].size < pool[best].size))
            best = i;
    }
    if (best >= 0) {
        char *p = pool[best].p;
        *got = pool[best].size;
        pool_bytes -= pool[best].size;
        pool[best] = pool[--pool_n];
        return p;
    }
    *got = want;
    return (char *)malloc(want);
}

void pool_put(char *p, size_t size) {
    if (!p)
        return;
#ifdef CANON_NO_POOL
    free(p);
    return;
#endif
    if (pool_n < POOL_SLOTS && pool_bytes + size <= POOL_BYTES) {
        pool[pool_n].p = p;
        pool[pool_n].size = size;
        pool_n++;
        pool_bytes += size;
    } else {
        free(p);
    }
}

/* An owned array exposed through the buffer protocol, so results reach numpy without a
 * copy; its memory goes back to the pool when numpy lets go of it. */
typedef struct {
    PyObject_HEAD
    char *p;
    Py_ssize_t len;
    size_t size;
} BufObject;

static void buf_dealloc(BufObject *b) {
    pool_put(b->p, b->size);
    Py_TYPE(b)->tp_free((PyObject *)b);
}

static int buf_getbuffer(BufObject *b, Py_buffer *view, int flags) {
    return PyBuffer_FillInfo(view, (PyObject *)b, b->p, b->len, 0, flags);
}

static PyBufferProcs buf_as_buffer = {(getbufferproc)buf_getbuffer, NULL};

static PyTypeObject BufType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "consentry.fingerprints._canon.Buf",
    .tp_basicsize = sizeof(BufObject),
    .tp_dealloc = (destructor)buf_dealloc,
    .tp_as_buffer = &buf_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "an array owned by the canon kernel (use numpy.frombuffer)",
};

PyObject *vec_take(vec_t *v) {
    BufObject *b = PyObject_New(BufObject, &BufType);
    if (!b)
        return NULL;
    b->p = v->p;
    b->len = v->n * v->item;
    b->size = v->bytes;
    v->p = NULL;
    return (PyObject *)b;
}

int buffers_ready(void) { return PyType_Ready(&BufType); }
