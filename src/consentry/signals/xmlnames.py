"""Names of XML elements and attributes as plain strings, for readers of untrusted markup.

``lxml.etree.QName`` validates the name it is given and raises ``ValueError`` on names that
lxml's recovering parser itself produced (``<:`` gives an element named ``:``; an undeclared
prefix gives ``x:xmpmeta``). Readers must never raise on content, so they take names apart
with these string functions instead: ``{ns}local`` -> (``ns``, ``local``); ``p:local`` (no
namespace bound) -> (None, ``p:local``). Pure.
"""

from __future__ import annotations


def split_name(tag: object) -> tuple[str | None, str]:
    """(namespace, local name) of an element tag or attribute key; ("", "") for comments,
    processing instructions and entities (whose ``tag`` is not a string)."""
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{") and "}" in tag:
        ns, local = tag[1:].split("}", 1)
        return ns, local
    return None, tag


def local_name(tag: object) -> str:
    return split_name(tag)[1]


def namespace(tag: object) -> str | None:
    return split_name(tag)[0]
