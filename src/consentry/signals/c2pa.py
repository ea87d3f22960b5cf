"""CAWG training-and-data-mining assertion (``cawg.training-mining``; C2PA 1.x ``c2pa.*``).

This module reads the assertion *as data* (signed manifests in JPEG, PNG and PDF files are
read and validated through c2pa-python by :mod:`consentry.signals.c2pa_media`, which hands
each assertion's data to :func:`find_entry_maps` and :func:`statuses` here), given as

* JSON: the assertion ``{"label": ..., "data": {...}}``, a list of those, its ``data`` map
  (``{"entries": {...}}``, or the entries map itself, as early CDDL had it), or the manifest
  store JSON that ``c2pa.Reader(...).json()`` prints (every manifest is read, active first);
* CBOR diagnostic notation (``.cbordiag``, RFC 8949 s8): the JSON-like subset plus ``h'..'``
  byte strings, ``tag(...)``, ``undefined`` and comments. A missing pair of braces after
  ``"entries":`` (the published CAWG example) is repaired with a diagnostic.

Entry ``use``: ``allowed`` -> allowed, ``notAllowed`` -> disallowed, ``constrained`` ->
disallowed (CAWG: equivalent to notAllowed absent other information; ``constraint_info`` is
kept as a diagnostic). ``ai_training`` and ``ai_generative_training`` each cover part of
``ai-train``: either one disallowed disallows it; both allowed allow it. Never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

from consentry.registry.purposes import Purpose
from consentry.signals.model import Carrier, ParsedSignal, SignalStatus
from consentry.signals.purposes import (
    CAWG_AI_TRAIN_PARTS,
    CAWG_ENTRIES,
    CAWG_USE,
    TRAINING_MINING_LABELS,
    apply_mapping,
    cawg_entry_name,
    most_restrictive,
)


class _DiagError(ValueError):
    pass


class _Diag:
    """Recursive-descent reader for the JSON-like subset of CBOR diagnostic notation."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.depth = 0

    def ws(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c.isspace():
                self.i += 1
            elif self.s.startswith("/", self.i):  # /comment/
                end = self.s.find("/", self.i + 1)
                self.i = len(self.s) if end < 0 else end + 1
            elif c == "#":
                end = self.s.find("\n", self.i)
                self.i = len(self.s) if end < 0 else end + 1
            else:
                break

    def value(self) -> Any:
        self.depth += 1
        if self.depth > 200:
            raise _DiagError("nesting too deep")
        try:
            self.ws()
            if self.i >= len(self.s):
                raise _DiagError("unexpected end")
            c = self.s[self.i]
            if c == "{":
                return self.container("}", is_map=True)
            if c == "[":
                return self.container("]", is_map=False)
            if c == '"':
                return self.string()
            if self.s.startswith("h'", self.i):
                end = self.s.find("'", self.i + 2)
                if end < 0:
                    raise _DiagError("unterminated byte string")
                raw = re.sub(r"\s", "", self.s[self.i + 2 : end])
                self.i = end + 1
                return bytes.fromhex(raw)
            m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?").match(self.s, self.i)
            if m:
                self.i = m.end()
                self.ws()
                if m.group(1) is None and self.s.startswith("(", self.i):  # tag(value)
                    self.i += 1
                    inner = self.value()
                    self.ws()
                    self.expect(")")
                    return inner
                return float(m.group(0)) if m.group(1) or m.group(2) else int(m.group(0))
            for word, val in (
                ("true", True),
                ("false", False),
                ("null", None),
                ("undefined", None),
            ):
                if self.s.startswith(word, self.i):
                    self.i += len(word)
                    return val
            raise _DiagError(f"unexpected {c!r} at offset {self.i}")
        finally:
            self.depth -= 1

    def expect(self, ch: str) -> None:
        if not self.s.startswith(ch, self.i):
            got = self.s[self.i : self.i + 1] or "end"
            raise _DiagError(f"expected {ch!r} at offset {self.i}, got {got!r}")
        self.i += 1

    def string(self) -> str:
        m = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL).match(self.s, self.i)
        if not m:
            raise _DiagError(f"unterminated string at offset {self.i}")
        self.i = m.end()
        try:
            return str(json.loads(m.group(0)))
        except json.JSONDecodeError as e:
            raise _DiagError(f"bad string escape: {e}") from None

    def container(self, close: str, *, is_map: bool) -> Any:
        self.i += 1
        items: list[Any] = []
        out: dict[Any, Any] = {}
        self.ws()
        if self.s.startswith(close, self.i):
            self.i += 1
            return out if is_map else items
        while True:
            v = self.value()
            self.ws()
            if is_map:
                self.expect(":")
                val = self.value()
                out[v if isinstance(v, (str, int, float, bool)) or v is None else repr(v)] = val
            else:
                items.append(v)
            self.ws()
            if self.s.startswith(",", self.i):
                self.i += 1
                self.ws()
                if self.s.startswith(close, self.i):  # tolerate trailing comma
                    self.i += 1
                    return out if is_map else items
                continue
            self.expect(close)
            return out if is_map else items


def parse_diagnostic(text: str) -> Any:
    """Parse CBOR diagnostic notation (subset); raises ValueError when it does not parse."""
    p = _Diag(text)
    v = p.value()
    p.ws()
    if p.i != len(p.s):
        raise _DiagError(f"trailing content at offset {p.i}")
    return v


def load(text: str) -> tuple[Any, list[str]]:
    try:
        return json.loads(text), []
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        return parse_diagnostic(text), ["read as CBOR diagnostic notation"]
    except ValueError as e:
        first = str(e)
    repaired = re.sub(r'("entries"\s*:\s*)(?=")', r"\1{", text, count=1)
    if repaired != text:
        end = repaired.rstrip().rfind("}")
        repaired = repaired[:end] + "}" + repaired[end:]
        try:
            return parse_diagnostic(repaired), [
                f"not well-formed ({first}); read after adding the braces missing around 'entries'"
            ]
        except ValueError:
            pass
    return None, [f"neither JSON nor CBOR diagnostic notation: {first}"]


def find_entry_maps(data: Any, diags: list[str]) -> list[dict[str, Any]]:
    """Entry maps of every training-mining assertion found in ``data``."""
    found: list[dict[str, Any]] = []
    if isinstance(data, list):
        for item in data:
            found.extend(find_entry_maps(item, diags))
    elif isinstance(data, dict):
        if "manifests" in data and isinstance(data["manifests"], dict):
            active = data.get("active_manifest")
            order = sorted(data["manifests"].items(), key=lambda kv: kv[0] != active)
            for _, manifest in order:
                if isinstance(manifest, dict):
                    found.extend(find_entry_maps(manifest.get("assertions", []), diags))
        elif "label" in data:
            label = str(data.get("label", ""))
            if label.split("__")[0] in TRAINING_MINING_LABELS:
                if label.startswith("c2pa."):
                    diags.append(f"label {label!r} is the C2PA 1.x name (removed in C2PA 2.0)")
                found.extend(find_entry_maps(data.get("data", {}), diags))
        elif isinstance(data.get("entries"), dict):
            found.append(data["entries"])
        elif any(isinstance(k, str) and k.startswith(("cawg.", "c2pa.")) for k in data):
            diags.append("entries given without the 'entries' wrapper (early CDDL form)")
            found.append(data)
    return found


def statuses(entries: dict[str, Any], diags: list[str]) -> dict[Purpose, SignalStatus]:
    out: dict[Purpose, SignalStatus] = {}
    train: dict[str, SignalStatus] = {}
    for key, entry in entries.items():
        name = cawg_entry_name(str(key))
        mapping = CAWG_ENTRIES.get(name)
        use = entry.get("use") if isinstance(entry, dict) else None
        if mapping is None:
            diags.append(f"entry {key!r} is not a CAWG entry, ignored")
            continue
        status = CAWG_USE.get(str(use).lower()) if isinstance(use, str) else None
        if status is None:
            diags.append(f"entry {key!r} use {use!r}: expected allowed, notAllowed, constrained")
            continue
        if str(use).lower() == "constrained":
            info = entry.get("constraint_info") or entry.get("constraints_info")
            diags.append(f"entry {key!r} is constrained ({info!r}): read as notAllowed")
        if name in CAWG_AI_TRAIN_PARTS:
            train[name] = most_restrictive(train.get(name, SignalStatus.UNKNOWN), status)
        else:
            apply_mapping(out, mapping, status)
    if train:
        vals = set(train.values())
        if SignalStatus.DISALLOWED in vals:
            out[Purpose.AI_TRAIN] = SignalStatus.DISALLOWED
        elif set(train) == CAWG_AI_TRAIN_PARTS and vals == {SignalStatus.ALLOWED}:
            out[Purpose.AI_TRAIN] = SignalStatus.ALLOWED
        else:
            diags.append(
                "only one of ai_training / ai_generative_training allowed: ai-train unknown"
            )
    return out


def parse(content: bytes | str, *, source: str = "<memory>", agent: str = "*") -> ParsedSignal:
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    data, diags = load(text)
    maps = find_entry_maps(data, diags) if data is not None else []
    if data is not None and not maps:
        diags.append("no cawg.training-mining or c2pa.training-mining assertion found")
    out: dict[Purpose, SignalStatus] = {}
    for entries in maps:
        for p, s in statuses(entries, diags).items():
            out[p] = most_restrictive(out.get(p, SignalStatus.UNKNOWN), s)
    return ParsedSignal(Carrier.C2PA, source, out, tuple(diags), agent=agent)
