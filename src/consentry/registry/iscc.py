"""ISCC (ISO 24138) codes: whether decoded bytes are one ISCC-CODE or a sequence of
ISCC-UNITs (pure; identifiers.py parses the text and reports the reason).
"""

from __future__ import annotations

# ISCC (ISO 24138): base32 of a header of four var-nibbles (main type, subtype, version,
# length) and a body whose size the main type and length fix. Main types: 0 META,
# 1 SEMANTIC, 2 CONTENT, 3 DATA, 4 INSTANCE, 5 ISCC (composite), 6 ID, 7 FLAKE.


def _varnibbles(bits: str, count: int) -> tuple[list[int], int] | None:
    """Read ``count`` var-nibbles from a bit string; return the values and bits consumed."""
    values: list[int] = []
    pos = 0
    for _ in range(count):
        for prefix, width, offset in (("0", 3, 0), ("10", 6, 8), ("110", 9, 72), ("1110", 12, 584)):
            if bits.startswith(prefix, pos):
                start = pos + len(prefix)
                if start + width > len(bits):
                    return None
                values.append(int(bits[start : start + width], 2) + offset)
                pos = start + width
                break
        else:
            return None
    return values, pos


def iscc_problem(data: bytes) -> str | None:
    """None when ``data`` is one ISCC-CODE or a sequence of ISCC-UNITs, else the reason."""
    while data:
        bits = "".join(f"{b:08b}" for b in data[:8])
        head = _varnibbles(bits, 4)
        if head is None:
            return "has a malformed header"
        (mtype, subtype, version, length), used = head
        if mtype > 7:
            return f"has main type {mtype}, expected 0-7"
        if version != 0:
            return f"has version {version}, expected 0"
        header_bytes = (used + 7) // 8
        if mtype == 5:  # ISCC-CODE: DATA and INSTANCE plus one 64-bit unit per flag bit
            if length > 7:
                return f"has unit flags {length}, expected 0-7"
            want = 16 + 8 * bin(length).count("1")
            if subtype == 7 and length == 0:  # WIDE: 128-bit DATA and INSTANCE only
                want = 32
            if len(data) - header_bytes == want:
                return None  # a composite is always the whole code
            return f"has {len(data) - header_bytes} body bytes, expected {want}"
        want = (length * 8 + 64) // 8 if mtype == 6 else (length + 1) * 4
        if len(data) < header_bytes + want:
            return f"has {len(data) - header_bytes} body bytes, expected {want}"
        data = data[header_bytes + want :]
    return None
