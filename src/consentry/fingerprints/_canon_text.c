/* canon-v1/v2 steps 1-4 as text: the canonical words of a text joined by single spaces, the
 * string spec.canonical_text defines (and canonical.canonical_words_text computes with
 * str.translate). The scanner confirms a match by aligning a document span in this form with
 * the work's stored canonical words; in Python that took about a third as long as the whole
 * compiled scan pass.
 *
 * The same per-code-point rules as the word pass in _canon_words.c (its slow path, which
 * handles every case): hyphenated line breaks deleted, each code point folded through the
 * table (filled from Python on first use; MULTI and code points outside the BMP asked each
 * time), DROP deleting, SOLO | c a token of its own, and with OCR folding "rn" -> "m" (the
 * 'r' just written becomes 'm'). Pure: no I/O. */
#include "_canon.h"

typedef struct {
    Py_UCS4 *p;
    Py_ssize_t n, cap;
} text_out_t;

/* Room for at least extra more code points. */
static int room(text_out_t *o, Py_ssize_t extra) {
    if (o->cap - o->n >= extra)
        return 0;
    Py_ssize_t cap = o->cap * 2 > o->n + extra ? o->cap * 2 : o->n + extra;
    Py_UCS4 *p = (Py_UCS4 *)realloc(o->p, (size_t)cap * sizeof(Py_UCS4));
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    o->p = p;
    o->cap = cap;
    return 0;
}

/* A word character c (room for two more code points is there: a space and c). */
#define PUT_CHAR(c)                                                                       \
    do {                                                                                  \
        if (prev_r && (c) == 'n') {                                                       \
            o->p[o->n - 1] = 'm';                                                         \
            prev_r = 0;                                                                   \
        } else {                                                                          \
            if (!in_word) {                                                               \
                if (o->n)                                                                 \
                    o->p[o->n++] = ' ';                                                   \
                in_word = 1;                                                              \
            }                                                                             \
            o->p[o->n++] = (c);                                                           \
            prev_r = ocr && (c) == 'r';                                                   \
        }                                                                                 \
    } while (0)
#define PUT_SEPARATOR()                                                                   \
    do {                                                                                  \
        in_word = 0;                                                                      \
        prev_r = 0;                                                                       \
    } while (0)

/* Steps 1-4 over one text of one string kind, appended to o. Every code point but a MULTI
 * one writes at most two (a space and itself), so room for 2 per code point is made first. */
#define WORDS_TEXT(READ, BMP_ONLY)                                                        \
    static int words_text_##READ(text_out_t *o, const void *data, Py_ssize_t len, int ocr, \
                                 uint32_t *table, PyObject *fold) {                       \
        int in_word = 0, prev_r = 0;                                                      \
        if (room(o, 2 * len + 1))                                                         \
            return -1;                                                                    \
        for (Py_ssize_t i = 0; i < len; i++) {                                            \
            Py_UCS4 cp = READ(data, i);                                                   \
            uint32_t t = (BMP_ONLY || cp < TABLE_SIZE) ? table[cp] : MULTI;               \
            if (t < SOLO && t != 0 && cp != '-') {                                        \
                PUT_CHAR(t);                                                              \
                continue;                                                                 \
            }                                                                             \
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
                PUT_SEPARATOR();                                                          \
            } else if (t >= SOLO && t < UNKNOWN) {                                        \
                PUT_SEPARATOR();                                                          \
                PUT_CHAR(t & ~SOLO);                                                      \
                PUT_SEPARATOR();                                                          \
            } else if (t < SOLO) {                                                        \
                PUT_CHAR(t);                                                              \
            } else if (t == MULTI) {                                                      \
                uint32_t exp[MAX_EXPANSION];                                              \
                Py_ssize_t m = expand(fold, cp, exp);                                     \
                if (m < 0 || room(o, 2 * m + 2 * (len - i) + 1))                          \
                    return -1;                                                            \
                for (Py_ssize_t j = 0; j < m; j++) {                                      \
                    if (exp[j] == 0)                                                      \
                        PUT_SEPARATOR();                                                  \
                    else                                                                  \
                        PUT_CHAR(exp[j]);                                                 \
                }                                                                         \
            } /* DROP: nothing */                                                         \
        }                                                                                 \
        return 0;                                                                         \
    }

WORDS_TEXT(READ1, 1)
WORDS_TEXT(READ2, 1)
WORDS_TEXT(READ4, 0)

/* The canonical words text of one str (a new reference), or NULL with an exception set. */
static PyObject *one_text(PyObject *t, text_out_t *o, int ocr, uint32_t *table, PyObject *fold) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(t);
    const void *data = PyUnicode_DATA(t);
    int rc;
    o->n = 0;
    switch (PyUnicode_KIND(t)) {
    case PyUnicode_1BYTE_KIND:
        rc = words_text_READ1(o, data, n, ocr, table, fold);
        break;
    case PyUnicode_2BYTE_KIND:
        rc = words_text_READ2(o, data, n, ocr, table, fold);
        break;
    default:
        rc = words_text_READ4(o, data, n, ocr, table, fold);
        break;
    }
    if (rc)
        return NULL;
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, o->p, o->n);
}

/* words_text(texts, ocr, table, fold) -> [str]: each text's canonical words joined by single
 * spaces. */
PyObject *words_text(PyObject *self, PyObject *args) {
    PyObject *texts, *fold;
    int ocr;
    Py_buffer tb;
    if (!PyArg_ParseTuple(args, "Opw*O:words_text", &texts, &ocr, &tb, &fold))
        return NULL;
    PyObject *fast = NULL, *result = NULL;
    text_out_t o = {NULL, 0, 0};
    if (tb.len != (Py_ssize_t)(TABLE_SIZE * sizeof(uint32_t))) {
        PyErr_Format(PyExc_ValueError, "table has %zd bytes, expected %d", tb.len,
                     (int)(TABLE_SIZE * sizeof(uint32_t)));
        goto done;
    }
    if (!PyCallable_Check(fold)) {
        PyErr_SetString(PyExc_TypeError, "fold must be callable");
        goto done;
    }
    /* a tuple copy: it holds every text for the whole call, even if fold() changes the list */
    fast = PySequence_Tuple(texts);
    if (!fast)
        goto done;
    Py_ssize_t ntexts = PyTuple_GET_SIZE(fast);
    for (Py_ssize_t d = 0; d < ntexts; d++) {
        PyObject *t = PyTuple_GET_ITEM(fast, d);
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "texts[%zd] is %.100s, expected str", d,
                         Py_TYPE(t)->tp_name);
            goto done;
        }
    }
    PyObject *out = PyList_New(ntexts);
    if (!out)
        goto done;
    for (Py_ssize_t d = 0; d < ntexts; d++) {
        PyObject *s = one_text(PyTuple_GET_ITEM(fast, d), &o, ocr, (uint32_t *)tb.buf, fold);
        if (!s) {
            Py_DECREF(out);
            goto done;
        }
        PyList_SET_ITEM(out, d, s);
    }
    result = out;
done:
    free(o.p);
    Py_XDECREF(fast);
    PyBuffer_Release(&tb);
    return result;
}
