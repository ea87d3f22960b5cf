"""Build of the compiled canon-v1 kernel; everything else is in pyproject.toml.

The extension is optional: where no C compiler is available the install still succeeds and
``consentry.fingerprints.kernel`` falls back to its numpy implementation (same fingerprints,
about half the scan speed). The test suite requires the compiled kernel.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "consentry.fingerprints._canon",
            [
                "src/consentry/fingerprints/_canon.c",
                "src/consentry/fingerprints/_canon_buffers.c",
                "src/consentry/fingerprints/_canon_words.c",
                "src/consentry/fingerprints/_canon_text.c",
                "src/consentry/fingerprints/_canon_index.c",
            ],
            depends=["src/consentry/fingerprints/_canon.h"],
            extra_compile_args=["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
