/* The index's side: its Bloom prefilter, and the postings look-up in its sorted keys. */
#include "_canon.h"

/* The Bloom prefilter of a sorted fingerprint array: nwords uint64 words, two bits per key:
 * word = fastrange(top 32 bits), bits (key & 63) and ((key >> 6) & 63). Checks the order on
 * the way (ValueError naming the first key out of order). */
PyObject *bloom_build(PyObject *self, PyObject *args) {
    Py_buffer fb;
    Py_ssize_t nwords;
    if (!PyArg_ParseTuple(args, "y*n:bloom_build", &fb, &nwords))
        return NULL;
    PyObject *result = NULL;
    vec_t out = {0};
    if (fb.len % 8 || nwords < 1 || (uint64_t)nwords >= (1ULL << 32)) {
        PyErr_Format(PyExc_ValueError,
                     "bloom_build() got %zd bytes of keys and %zd words, expected uint64 keys "
                     "and 1 <= words < 2**32",
                     fb.len, nwords);
        goto done;
    }
    if (vec_init(&out, 8, nwords))
        goto done;
    uint64_t *bloom = (uint64_t *)out.p;
    memset(bloom, 0, (size_t)nwords * 8);
    const uint64_t *fps = (const uint64_t *)fb.buf;
    Py_ssize_t n = fb.len / 8;
    uint64_t prev = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t g = fps[i];
        if (g < prev) { /* the look-ups rely on the order: a damaged file must not pass */
            PyErr_Format(PyExc_ValueError, "keys are not sorted: keys[%zd] < keys[%zd]", i, i - 1);
            goto done;
        }
        prev = g;
        bloom[((g >> 32) * (uint64_t)nwords) >> 32] |= (1ULL << (g & 63)) | (1ULL << ((g >> 6) & 63));
    }
    out.n = nwords;
    result = vec_take(&out);
done:
    vec_release(&out);
    PyBuffer_Release(&fb);
    return result;
}

/* Postings of query keys in a sorted key array: for every query i and every j with
 * fps[j] == q[i], the pair (i, j), in query order. buckets[b] is where keys whose top
 * (64 - shift) bits equal b start (2**(64 - shift) + 1 entries); shift 64 means one bucket. */
PyObject *lookup(PyObject *self, PyObject *args) {
    Py_buffer qb, fb, bb;
    int shift;
    if (!PyArg_ParseTuple(args, "y*y*y*i:lookup", &qb, &fb, &bb, &shift))
        return NULL;
    PyObject *result = NULL;
    vec_t oq = {0}, oi = {0};
    const uint64_t *q = (const uint64_t *)qb.buf, *fps = (const uint64_t *)fb.buf;
    const int64_t *bk = (const int64_t *)bb.buf;
    Py_ssize_t nq = qb.len / 8, nf = fb.len / 8, nb = bb.len / 8;
    int64_t want = shift >= 64 ? 2 : ((int64_t)1 << (64 - shift)) + 1;
    if (qb.len % 8 || fb.len % 8 || bb.len % 8 || shift < 1 || shift > 64 || nb != want ||
        bk[0] != 0 || bk[nb - 1] != nf) {
        PyErr_Format(PyExc_ValueError,
                     "lookup() got %zd, %zd, %zd bytes and shift %d, expected uint64 queries "
                     "and keys and a bucket table of 2**(64 - shift) + 1 int64 from 0 to the "
                     "number of keys",
                     qb.len, fb.len, bb.len, shift);
        goto done;
    }
    if (vec_init(&oq, 8, nq / 2 + 16) || vec_init(&oi, 8, nq / 2 + 16))
        goto done;
    /* A block of queries at a time, their binary searches in lockstep: one probe of every
     * query per round, and the probe of the next round prefetched. A probe is a cache miss
     * that depends on the one before it in its own search but not on the other queries', so
     * a block keeps QBLOCK misses in flight instead of one (the searches of one query after
     * another waited for each miss in turn). Every search takes the same number of rounds
     * (the longest bucket's), the spare ones no-ops, so that the loop has no
     * data-dependent branch. */
    enum { QBLOCK = 32 };
    int64_t blo[QBLOCK], blen[QBLOCK];
    int64_t maxlen = 0;
    for (Py_ssize_t b = 0; b + 1 < nb; b++) {
        if (bk[b] < 0 || bk[b + 1] > nf || bk[b] > bk[b + 1]) {
            PyErr_Format(PyExc_ValueError, "bucket %zd is [%lld, %lld), expected within [0, %zd]",
                         b, (long long)bk[b], (long long)bk[b + 1], nf);
            goto done;
        }
        if (bk[b + 1] - bk[b] > maxlen)
            maxlen = bk[b + 1] - bk[b];
    }
    int rounds = 0;
    while (((int64_t)1 << rounds) < maxlen)
        rounds++;
    for (Py_ssize_t i0 = 0; i0 < nq; i0 += QBLOCK) {
        Py_ssize_t m = nq - i0 < QBLOCK ? nq - i0 : QBLOCK;
        for (Py_ssize_t j = 0; j < m; j++)
            __builtin_prefetch(&bk[shift >= 64 ? 0 : (int64_t)(q[i0 + j] >> shift)]);
        for (Py_ssize_t j = 0; j < m; j++) {
            int64_t b = shift >= 64 ? 0 : (int64_t)(q[i0 + j] >> shift);
            blo[j] = bk[b];
            blen[j] = bk[b + 1] - bk[b];
            __builtin_prefetch(&fps[blo[j] + (blen[j] >> 1)]);
        }
        /* lower bound in [lo, lo + len): while len > 1, probe lo + len/2 */
        for (int r = 0; r < rounds; r++) {
            for (Py_ssize_t j = 0; j < m; j++) {
                int64_t lo = blo[j], half = blen[j] >> 1;
                /* an empty bucket at the end has lo == nf: read the last key instead (with
                 * half == 0 the comparison changes nothing) */
                int64_t at = lo + half - (lo + half >= nf);
                lo = fps[at] < q[i0 + j] ? lo + half : lo;
                blo[j] = lo;
                blen[j] -= half;
                __builtin_prefetch(&fps[lo + (blen[j] >> 1)]);
            }
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            uint64_t key = q[i0 + j];
            int64_t lo = blo[j];
            lo += blen[j] == 1 && fps[lo] < key;
            for (int64_t p = lo; p < nf && fps[p] == key; p++) {
                if (oq.n == oq.cap && (vec_grow(&oq) || vec_grow(&oi)))
                    goto done;
                ((int64_t *)oq.p)[oq.n++] = i0 + j;
                ((int64_t *)oi.p)[oi.n++] = p;
            }
        }
    }
    PyObject *a = vec_take(&oq), *c = vec_take(&oi);
    if (a && c)
        result = PyTuple_Pack(2, a, c);
    Py_XDECREF(a);
    Py_XDECREF(c);
done:
    vec_release(&oq);
    vec_release(&oi);
    PyBuffer_Release(&qb);
    PyBuffer_Release(&fb);
    PyBuffer_Release(&bb);
    return result;
}
