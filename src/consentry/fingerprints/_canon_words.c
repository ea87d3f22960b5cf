/* canon-v1/v2 steps 1-5 over texts: words (with original offsets and hashes) and k-gram hashes,
 * optionally filtered by an index's Bloom prefilter (the scanner's one pass). */
#include "_canon.h"

/* The words of a batch, as parallel growable arrays. */
typedef struct {
    vec_t hash, len, start, end;
} words_t;

static int words_grow(words_t *w) {
    if (vec_grow(&w->hash) || vec_grow(&w->len) || vec_grow(&w->start) || vec_grow(&w->end))
        return -1;
    return 0;
}

/* Room for at least extra more words. */
static int reserve(words_t *w, Py_ssize_t extra) {
    while (w->hash.cap - w->hash.n < extra) {
        if (words_grow(w))
            return -1;
    }
    return 0;
}

static inline int emit_word(words_t *w, uint64_t h, int64_t wl, int64_t ws, int64_t we) {
    if (w->hash.n == w->hash.cap && words_grow(w))
        return -1;
    Py_ssize_t i = w->hash.n;
    ((uint64_t *)w->hash.p)[i] = h;
    ((int64_t *)w->len.p)[i] = wl;
    ((int64_t *)w->start.p)[i] = ws;
    ((int64_t *)w->end.p)[i] = we;
    w->hash.n = w->len.n = w->start.n = w->end.n = i + 1;
    return 0;
}

/* fold(cp) from Python: the folded code points of cp (0 = separator) into out; their number,
 * or -1 on error. */
Py_ssize_t expand(PyObject *fold, Py_UCS4 cp, uint32_t *out) {
    PyObject *arg = PyLong_FromUnsignedLong(cp);
    if (!arg)
        return -1;
    PyObject *seq = PyObject_CallOneArg(fold, arg);
    Py_DECREF(arg);
    if (!seq)
        return -1;
    PyObject *fast = PySequence_Tuple(seq); /* a tuple: nothing can change it under us */
    Py_DECREF(seq);
    if (!fast)
        return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(fast);
    if (n > MAX_EXPANSION) {
        PyErr_Format(PyExc_ValueError, "code point U+%04X folds to %zd code points, expected <= %d",
                     (unsigned)cp, n, MAX_EXPANSION);
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        unsigned long c = PyLong_AsUnsignedLong(PyTuple_GET_ITEM(fast, j));
        if (c == (unsigned long)-1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        if (c >= 0x110000) {
            PyErr_Format(PyExc_ValueError, "fold(U+%04X) gave %lu, expected a code point",
                         (unsigned)cp, c);
            Py_DECREF(fast);
            return -1;
        }
        out[j] = (uint32_t)c;
    }
    Py_DECREF(fast);
    return n;
}

/* The table entry of a BMP code point, computed on first use: one code point, DROP, SOLO | c
 * (the fold is separator, c, separator) or MULTI. */
int fill_entry(uint32_t *table, PyObject *fold, Py_UCS4 cp) {
    uint32_t out[MAX_EXPANSION];
    Py_ssize_t n = expand(fold, cp, out);
    if (n < 0)
        return -1;
    if (n == 3 && out[0] == 0 && out[1] != 0 && out[2] == 0)
        table[cp] = SOLO | out[1];
    else
        table[cp] = n == 0 ? DROP : (n == 1 ? out[0] : MULTI);
    return 0;
}

/* Steps 2-4, the word hashes. Along a text, P runs over the folded code points of the
 * current word: P = P*B + c for each word character, and P = 0 at a separator (on the fast
 * path as (P*B + c) & -(c != 0), with no branch); rn -> m rewrites the just-added 'r'
 * (P - 'r' + 'm'). P at a word's end is its hash. The chain P*B + c is the only serial
 * dependency from one code point to the next. (An earlier version kept a prefix hash of the
 * whole text and subtracted P before each word times B**length afterwards: one more store
 * per code point and one more multiply per word, about 35 % slower on the eval corpus.)
 *
 * The slow path: one folded code point c (0 = separator) from original position i. The word
 * being built is in the locals wl (length, 0 = no word), ws (start) and last_e (end of its
 * last character, kept on the slow path only: on the fast path a word always ends where its
 * separator starts). P is 0 whenever wl is. */
#define SEPARATOR(i)                                                                      \
    do {                                                                                  \
        prev_r = 0;                                                                       \
        if (wl) {                                                                         \
            w->hash.n = n;                                                                \
            if (emit_word(w, P, wl, ws, last_e > (i) ? last_e : (i)))                     \
                return -1;                                                                \
            LOAD_OUT();                                                                   \
            wl = 0;                                                                       \
            P = 0;                                                                        \
        }                                                                                 \
    } while (0)
#define WORD_CHAR(c, i)                                                                   \
    do {                                                                                  \
        if (prev_r && (c) == 'n') {                                                       \
            P = P - 'r' + 'm';                                                            \
            prev_r = 0;                                                                   \
        } else {                                                                          \
            if (!wl)                                                                      \
                ws = (i);                                                                 \
            P = P * BASE + (c);                                                           \
            wl += 1;                                                                      \
            prev_r = ocr && (c) == 'r';                                                   \
        }                                                                                 \
        last_e = (i) + 1;                                                                 \
    } while (0)
#define LOAD_OUT()                                                                        \
    do {                                                                                  \
        n = w->hash.n;                                                                    \
        H = (uint64_t *)w->hash.p;                                                        \
        L = (int64_t *)w->len.p;                                                          \
        S = (int64_t *)w->start.p;                                                        \
        E = (int64_t *)w->end.p;                                                          \
    } while (0)

/* Steps 1-4 over one text of one string kind; its words go to w with offsets in the text and
 * prefix hashes (finish_words() completes them).
 *
 * The fast path (a code point that folds to one code point or to a separator, not '-') has
 * no branch on word boundaries: the word so far is written to the next output slot at every
 * code point and the slot is kept (n advances) only where a word ends. Word boundaries are
 * data-dependent and a branch on them is mispredicted about once a word. */
#define CANON_TEXT(READ, BMP_ONLY)                                                            \
    static int canon_text_##READ(words_t *w, const void *data, Py_ssize_t len, int ocr,        \
                                 uint32_t *table, PyObject *fold) {                           \
        uint64_t P = 0, prev_r = 0;                                                           \
        int64_t wl = 0, ws = 0, last_e = 0;                                                   \
        Py_ssize_t n;                                                                         \
        uint64_t *H;                                                                          \
        int64_t *L, *S, *E;                                                                   \
        if (reserve(w, len / 2 + 2))                                                          \
            return -1;                                                                        \
        LOAD_OUT();                                                                           \
        const uint64_t ocr_mask = ocr ? 1 : 0;                                                \
        for (Py_ssize_t i = 0; i < len; i++) {                                                \
            Py_UCS4 cp = READ(data, i);                                                       \
            uint32_t t = (BMP_ONLY || cp < TABLE_SIZE) ? table[cp] : MULTI;                   \
            if (__builtin_expect(t >= SOLO || cp == '-', 0)) {                                \
                if (t >= SOLO && t < UNKNOWN) {                                               \
                    /* a token of its own: ends the word before it (its end is i, as on    \
                     * the fast path), then the one-code-point word, hash c */              \
                    if (w->hash.cap - n < (len - i) / 2 + 4) {                                \
                        w->hash.n = n;                                                        \
                        if (reserve(w, (len - i) / 2 + 4))                                    \
                            return -1;                                                        \
                        LOAD_OUT();                                                           \
                    }                                                                         \
                    H[n] = P;                                                                 \
                    L[n] = wl;                                                                \
                    S[n] = ws;                                                                \
                    E[n] = i;                                                                 \
                    n += wl != 0;                                                             \
                    H[n] = t & ~SOLO;                                                         \
                    L[n] = 1;                                                                 \
                    S[n] = i;                                                                 \
                    E[n] = i + 1;                                                             \
                    n += 1;                                                                   \
                    P = 0;                                                                    \
                    wl = 0;                                                                   \
                    prev_r = 0;                                                               \
                    continue;                                                                 \
                }                                                                             \
                w->hash.n = n;                                                                \
                if (cp == '-' && i > 0 && Py_UNICODE_ISALNUM(READ(data, i - 1))) {            \
                    Py_ssize_t b = hyphen_end_##READ(data, len, i);                           \
                    if (b >= 0) {                                                             \
                        i = b - 1;                                                            \
                        continue;                                                             \
                    }                                                                         \
                }                                                                             \
                if (t == UNKNOWN) {                                                           \
                    if (fill_entry(table, fold, cp))                                          \
                        return -1;                                                            \
                    t = table[cp];                                                            \
                }                                                                             \
                if (t == 0) {                                                                 \
                    SEPARATOR(i);                                                             \
                } else if (t >= SOLO && t < UNKNOWN) {                                        \
                    SEPARATOR(i);                                                             \
                    WORD_CHAR(t & ~SOLO, i);                                                  \
                    SEPARATOR(i);                                                             \
                } else if (t < UNKNOWN) {                                                     \
                    WORD_CHAR(t, i);                                                          \
                } else if (t == MULTI) {                                                      \
                    uint32_t exp[MAX_EXPANSION];                                              \
                    Py_ssize_t m = expand(fold, cp, exp);                                     \
                    if (m < 0)                                                                \
                        return -1;                                                            \
                    for (Py_ssize_t j = 0; j < m; j++) {                                      \
                        if (exp[j] == 0)                                                      \
                            SEPARATOR(i);                                                     \
                        else                                                                  \
                            WORD_CHAR(exp[j], i);                                             \
                    }                                                                         \
                } /* DROP: nothing */                                                         \
                if (reserve(w, (len - i) / 2 + 2))                                            \
                    return -1;                                                                \
                LOAD_OUT();                                                                   \
                continue;                                                                     \
            }                                                                                 \
            uint64_t isw = t != 0;                                                            \
            H[n] = P;                                                                         \
            L[n] = wl;                                                                        \
            S[n] = ws;                                                                        \
            E[n] = i;                                                                         \
            n += (wl != 0) & (isw ^ 1);                                                       \
            if (__builtin_expect(prev_r & (t == 'n'), 0)) {                                   \
                P = P - 'r' + 'm';                                                            \
                prev_r = 0;                                                                   \
                continue;                                                                     \
            }                                                                                 \
            ws = wl ? ws : i;                                                                 \
            P = (P * BASE + t) & -isw;                                                        \
            wl = (wl + 1) & -(int64_t)isw;                                                    \
            prev_r = ocr_mask & (t == 'r');                                                   \
        }                                                                                     \
        w->hash.n = n;                                                                        \
        SEPARATOR(len);                                                                       \
        w->hash.n = n;                                                                        \
        return 0;                                                                             \
    }

CANON_TEXT(READ1, 1)
CANON_TEXT(READ2, 1)
CANON_TEXT(READ4, 0)

uint64_t pow_table[POW_TABLE];

void init_pow_table(void) {
    pow_table[0] = 1;
    for (int i = 1; i < POW_TABLE; i++)
        pow_table[i] = pow_table[i - 1] * BASE;
}


/* The words [w0, w1) of a text at base, as the hot loop left them, finished: offsets in the
 * joined batch. */
static void finish_words(words_t *w, int64_t w0, int64_t w1, int64_t base) {
    int64_t *s = (int64_t *)w->start.p, *e = (int64_t *)w->end.p;
    for (int64_t i = w0; i < w1; i++) {
        s[i] += base;
        e[i] += base;
    }
}

/* Where the grams go: all of them, or those a Bloom filter may hold (bloom != NULL). */
typedef struct {
    vec_t hash, first;
    const uint64_t *bloom;
    uint64_t nbloom;
} gram_out_t;

/* The k-grams of words [w0, w1) (one text): hash of the k words joined by spaces, fmix64. */
static inline int keep_gram(gram_out_t *out, uint64_t g, int64_t i) {
    if (out->hash.n == out->hash.cap && (vec_grow(&out->hash) || vec_grow(&out->first)))
        return -1;
    ((uint64_t *)out->hash.p)[out->hash.n++] = g;
    ((int64_t *)out->first.p)[out->first.n++] = i;
    return 0;
}

#define GRAM_BLOCK 256

/* The k-grams of words [w0, w1) (one text): hash of the k words joined by spaces, fmix64.
 * The hash rolls from one gram to the next: drop the first word and its space (minus
 * (h_i * B + 32) * B**E, E the length of the rest) and append " w" (times B**(len(w) + 1),
 * plus 32 * B**len(w) + hash(w)). Grams are hashed a block at a time, then checked against
 * the Bloom filter, its words prefetched as the block is hashed (its look-ups are cache
 * misses, independent of each other). */
static int text_grams(const uint64_t *h, const int64_t *wl, int64_t w0, int64_t w1,
                      Py_ssize_t k, gram_out_t *out) {
    if (w1 - w0 < k)
        return 0;
    uint64_t block[GRAM_BLOCK];
    int64_t last = w1 - k; /* first word of the last gram */
    uint64_t g = h[w0];
    int64_t total = wl[w0]; /* code points in the gram */
    for (Py_ssize_t j = 1; j < k; j++) {
        uint64_t p = pow_b(wl[w0 + j]);
        g = g * p * BASE + 32ULL * p + h[w0 + j];
        total += wl[w0 + j] + 1;
    }
    const uint64_t *bloom = out->bloom;
    uint64_t nbloom = out->nbloom;
    for (int64_t i0 = w0; i0 <= last; i0 += GRAM_BLOCK) {
        int64_t nb = last - i0 + 1 < GRAM_BLOCK ? last - i0 + 1 : GRAM_BLOCK;
        for (int64_t b = 0; b < nb; b++) {
            int64_t i = i0 + b;
            uint64_t x = fmix64(g);
            block[b] = x;
            if (bloom) /* its word is in cache by the time the block is checked */
                __builtin_prefetch(&bloom[((x >> 32) * nbloom) >> 32]);
            if (i < last) {
                if (k == 1) {
                    g = h[i + 1];
                } else {
                    int64_t rest = total - wl[i] - 1;
                    g -= (h[i] * BASE + 32ULL) * pow_b(rest);
                    int64_t L = wl[i + k];
                    uint64_t p = pow_b(L);
                    g = g * p * BASE + 32ULL * p + h[i + k];
                    total = rest + 1 + L;
                }
            }
        }
        if (!out->bloom) {
            for (int64_t b = 0; b < nb; b++) {
                if (keep_gram(out, block[b], i0 + b))
                    return -1;
            }
            continue;
        }
        for (int64_t b = 0; b < nb; b++) {
            uint64_t x = block[b];
            uint64_t word = bloom[((x >> 32) * nbloom) >> 32];
            uint64_t bits = (1ULL << (x & 63)) | (1ULL << ((x >> 6) & 63));
            if ((word & bits) == bits && keep_gram(out, x, i0 + b))
                return -1;
        }
    }
    return 0;
}

static int check_bloom(Py_buffer *bb, gram_out_t *out) {
    if (bb->len % 8 || bb->len == 0 || (uint64_t)(bb->len / 8) >= (1ULL << 32)) {
        PyErr_Format(PyExc_ValueError, "bloom has %zd bytes, expected 1 to 2**32 - 1 uint64 words",
                     bb->len);
        return -1;
    }
    out->bloom = (const uint64_t *)bb->buf;
    out->nbloom = (uint64_t)(bb->len / 8);
    return 0;
}

/* canon(texts, ocr, table, fold): steps 1-4 -> (doc_words, word_hash, word_len, start, end).
 * candidates(texts, ocr, table, fold, k, bloom or None): the scanner's pass, steps 1-5 with
 * the Bloom filter applied per text while its words are in cache -> (doc_words, start, end,
 * gram hashes, first word of each gram); word hashes and lengths stay in scratch memory. */
static PyObject *canon_impl(PyObject *args, int scan) {
    PyObject *texts, *fold, *bloom_obj = Py_None;
    int ocr;
    Py_ssize_t k = 1;
    Py_buffer tb, bb = {0};
    if (scan) {
        if (!PyArg_ParseTuple(args, "Opw*OnO:candidates", &texts, &ocr, &tb, &fold, &k, &bloom_obj))
            return NULL;
    } else if (!PyArg_ParseTuple(args, "Opw*O:canon", &texts, &ocr, &tb, &fold)) {
        return NULL;
    }
    PyObject *result = NULL;
    PyObject *fast = NULL;
    words_t w = {{0}, {0}, {0}, {0}};
    vec_t docs = {0};
    gram_out_t go = {{0}, {0}, NULL, 0};
    int have_bloom = 0;
    if (tb.len != (Py_ssize_t)(TABLE_SIZE * sizeof(uint32_t))) {
        PyErr_Format(PyExc_ValueError, "table has %zd bytes, expected %d", tb.len,
                     (int)(TABLE_SIZE * sizeof(uint32_t)));
        goto done;
    }
    if (!PyCallable_Check(fold)) {
        PyErr_SetString(PyExc_TypeError, "fold must be callable");
        goto done;
    }
    if (k < 1) {
        PyErr_Format(PyExc_ValueError, "k is %zd, expected >= 1", k);
        goto done;
    }
    if (bloom_obj != Py_None) {
        if (PyObject_GetBuffer(bloom_obj, &bb, PyBUF_SIMPLE))
            goto done;
        have_bloom = 1;
        if (check_bloom(&bb, &go))
            goto done;
    }
    /* a tuple copy: it holds every text for the whole call, even if the caller's list changes
     * while fold() runs Python code */
    fast = PySequence_Tuple(texts);
    if (!fast)
        goto done;
    Py_ssize_t ntexts = PyTuple_GET_SIZE(fast);
    Py_ssize_t chars = 0;
    for (Py_ssize_t d = 0; d < ntexts; d++) {
        PyObject *t = PyTuple_GET_ITEM(fast, d);
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] is %.100s, expected str", d,
                         Py_TYPE(t)->tp_name);
            goto done;
        }
        chars += PyUnicode_GET_LENGTH(t);
    }
    Py_ssize_t cap = chars / 5 + 16;
    if (vec_init(&w.hash, 8, cap) || vec_init(&w.len, 8, cap) || vec_init(&w.start, 8, cap) ||
        vec_init(&w.end, 8, cap) || vec_init(&docs, 8, ntexts + 1))
        goto done;
    if (scan) {
        Py_ssize_t gcap = have_bloom ? cap / 8 + 16 : cap;
        if (vec_init(&go.hash, 8, gcap) || vec_init(&go.first, 8, gcap))
            goto done;
    }
    uint32_t *table = (uint32_t *)tb.buf;
    int64_t base = 0;
    for (Py_ssize_t d = 0; d < ntexts; d++) {
        PyObject *t = PyTuple_GET_ITEM(fast, d);
        int64_t w0 = (int64_t)w.hash.n;
        ((int64_t *)docs.p)[docs.n++] = w0;
        Py_ssize_t n = PyUnicode_GET_LENGTH(t);
        const void *data = PyUnicode_DATA(t);
        int rc;
        switch (PyUnicode_KIND(t)) {
        case PyUnicode_1BYTE_KIND:
            rc = canon_text_READ1(&w, data, n, ocr, table, fold);
            break;
        case PyUnicode_2BYTE_KIND:
            rc = canon_text_READ2(&w, data, n, ocr, table, fold);
            break;
        default:
            rc = canon_text_READ4(&w, data, n, ocr, table, fold);
            break;
        }
        if (rc)
            goto done;
        finish_words(&w, w0, (int64_t)w.hash.n, base);
        if (scan && text_grams((const uint64_t *)w.hash.p, (const int64_t *)w.len.p, w0,
                               (int64_t)w.hash.n, k, &go))
            goto done;
        base += (int64_t)n + 1;
    }
    ((int64_t *)docs.p)[docs.n++] = (int64_t)w.hash.n;
    w.len.n = w.start.n = w.end.n = w.hash.n; /* the fast path counts in hash.n only */
    if (scan) {
        PyObject *a = vec_take(&docs), *e = vec_take(&w.start), *f = vec_take(&w.end),
                 *g = vec_take(&go.hash), *h = vec_take(&go.first);
        if (a && e && f && g && h)
            result = PyTuple_Pack(5, a, e, f, g, h);
        Py_XDECREF(a);
        Py_XDECREF(e);
        Py_XDECREF(f);
        Py_XDECREF(g);
        Py_XDECREF(h);
    } else {
        PyObject *a = vec_take(&docs), *b = vec_take(&w.hash), *c = vec_take(&w.len),
                 *e = vec_take(&w.start), *f = vec_take(&w.end);
        if (a && b && c && e && f)
            result = PyTuple_Pack(5, a, b, c, e, f);
        Py_XDECREF(a);
        Py_XDECREF(b);
        Py_XDECREF(c);
        Py_XDECREF(e);
        Py_XDECREF(f);
    }
done:
    vec_release(&w.hash);
    vec_release(&w.len);
    vec_release(&w.start);
    vec_release(&w.end);
    vec_release(&docs);
    vec_release(&go.hash);
    vec_release(&go.first);
    Py_XDECREF(fast);
    PyBuffer_Release(&tb);
    if (have_bloom)
        PyBuffer_Release(&bb);
    return result;
}

PyObject *canon(PyObject *self, PyObject *args) { return canon_impl(args, 0); }

PyObject *candidates(PyObject *self, PyObject *args) { return canon_impl(args, 1); }

/* k-gram hashes of a batch (not crossing texts) with their first word index. */
PyObject *grams(PyObject *self, PyObject *args) {
    Py_buffer hb, lb, db;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "y*y*y*n:grams", &hb, &lb, &db, &k))
        return NULL;
    PyObject *result = NULL;
    gram_out_t go = {{0}, {0}, NULL, 0};
    Py_ssize_t nw = hb.len / 8, nd = db.len / 8 - 1;
    const uint64_t *h = (const uint64_t *)hb.buf;
    const int64_t *wl = (const int64_t *)lb.buf, *dw = (const int64_t *)db.buf;
    if (k < 1 || hb.len % 8 || lb.len != hb.len || db.len % 8 || nd < 0) {
        PyErr_Format(PyExc_ValueError,
                     "grams() got k=%zd and buffers of %zd, %zd, %zd bytes, expected k >= 1, "
                     "word_hash and word_len of one int64 per word and doc_words of at least one",
                     k, hb.len, lb.len, db.len);
        goto done;
    }
    for (Py_ssize_t i = 0; i < nw; i++) {
        if (wl[i] < 0) {
            PyErr_Format(PyExc_ValueError, "word_len[%zd] is %lld, expected >= 0", i,
                         (long long)wl[i]);
            goto done;
        }
    }
    for (Py_ssize_t d = 0; d <= nd; d++) {
        if (dw[d] < 0 || dw[d] > nw || (d > 0 && dw[d] < dw[d - 1])) {
            PyErr_Format(PyExc_ValueError,
                         "doc_words[%zd] is %lld, expected a non-decreasing index <= %zd", d,
                         (long long)dw[d], nw);
            goto done;
        }
    }
    if (vec_init(&go.hash, 8, nw + 1) || vec_init(&go.first, 8, nw + 1))
        goto done;
    for (Py_ssize_t d = 0; d < nd; d++) {
        if (text_grams(h, wl, dw[d], dw[d + 1], k, &go))
            goto done;
    }
    PyObject *a = vec_take(&go.hash), *b = vec_take(&go.first);
    if (a && b)
        result = PyTuple_Pack(2, a, b);
    Py_XDECREF(a);
    Py_XDECREF(b);
done:
    vec_release(&go.hash);
    vec_release(&go.first);
    PyBuffer_Release(&hb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&db);
    return result;
}
