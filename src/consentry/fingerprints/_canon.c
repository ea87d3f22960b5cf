/* The compiled kernel of canon-v1 and canon-v2: steps 1-4 (hyphen joins, fold, OCR fold,
 * words) and step 5 (k-gram hashes) in one pass over each text, with the original offsets
 * of every word.
 *
 * It computes exactly what consentry.fingerprints.spec (the reference) defines; the
 * Hypothesis tests in tests/fingerprints/test_spec_kernel.py compare the two. Unicode data
 * never lives here: the per-code-point fold comes from Python (spec.fold_char), through a
 * 65,536-entry table that this module fills in lazily, and through a call for the rare code
 * points that fold to several characters or lie outside the BMP. Pure: no I/O.
 *
 * Python API (see _canon.pyi):
 *   canon(texts, ocr_fold, table, fold) -> (doc_words, word_hash, word_len, start, end)
 *   candidates(texts, ocr_fold, table, fold, k, bloom) -> (doc_words, start, end, hashes,
 *     first): the scanner's one pass, steps 1-5 and the index's Bloom prefilter
 *   grams(word_hash, word_len, doc_words, k) -> (hashes, first)
 *   words_text(texts, ocr_fold, table, fold) -> [str]: each text's canonical words joined by
 *     single spaces (spec.canonical_text), for confirming matches against stored texts
 *   bloom_build(keys, nwords) -> bloom; lookup(queries, keys, buckets, shift) -> (qi, ki):
 *     the index's prefilter and its postings look-up (Index in index.py)
 * Arrays go in as buffers and come back as Buf objects (buffers) of int64 / uint64 (native
 * order).
 *
 * Files: _canon.h (shared declarations), _canon_buffers.c (memory), _canon_words.c (texts ->
 * words -> grams), _canon_text.c (texts -> canonical text), _canon_index.c (prefilter,
 * look-up), this file (the module).
 */
#include "_canon.h"

static PyMethodDef methods[] = {
    {"candidates", candidates, METH_VARARGS,
     "candidates(texts, ocr_fold, table, fold, k, bloom) -> (doc_words, start, end, hashes, "
     "first)"},
    {"canon", canon, METH_VARARGS,
     "canon(texts, ocr_fold, table, fold) -> (doc_words, word_hash, word_len, start, end)"},
    {"grams", grams, METH_VARARGS, "grams(word_hash, word_len, doc_words, k) -> (hashes, first)"},
    {"words_text", words_text, METH_VARARGS,
     "words_text(texts, ocr_fold, table, fold) -> [canonical words of each text, joined by spaces]"},
    {"bloom_build", bloom_build, METH_VARARGS, "bloom_build(keys, nwords) -> bloom"},
    {"lookup", lookup, METH_VARARGS,
     "lookup(queries, keys, buckets, shift) -> (query index, key index) of equal keys"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_canon", "canon-v1/v2 compiled kernel", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__canon(void) {
    init_pow_table();
    if (buffers_ready() < 0)
        return NULL;
    return PyModule_Create(&module);
}
