"""Use cases for works' fingerprints: register a work's text as fingerprints (the text itself
is never stored), and stream the fingerprints of the works a bundle must hold.

A mixin of :class:`consentry.registry.service.RegistryService`. numpy and the fingerprint
kernel are imported by the functions that use them, so building a registry (every CLI
command, ``lookup`` included) does not load them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import ValidationError
from consentry.fingerprints.spec import CanonSpec
from consentry.registry import events
from consentry.registry.access import Actor, Role, check_may_register
from consentry.registry.decisions import terms_for
from consentry.registry.purposes import Purpose, Status
from consentry.registry.service_disputes import work_parties

if TYPE_CHECKING:
    from consentry.registry.works import Work
    from consentry.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class FingerprintSummary:
    work_id: str
    words: int
    count: int
    sha256: str
    replaced: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "work_id": self.work_id,
            "words": self.words,
            "fingerprints": self.count,
            "sha256": self.sha256,
            "replaced": self.replaced,
        }


@dataclass(frozen=True, slots=True)
class _Fingerprints:
    words: int
    count: int
    blob: bytes  # fingerprints, little-endian uint64
    positions: bytes  # word positions, little-endian uint32
    sha256: str  # of blob


def _fingerprint(text: str, spec: CanonSpec, work_id: str) -> _Fingerprints:
    """The text's fingerprints under ``spec``; a text shorter than one gram is refused."""
    import numpy as np

    from consentry.fingerprints.kernel import canon_batch, gram_hashes, winnow_positions

    batch = canon_batch([text], ocr_fold=spec.ocr_fold, version=spec.version)
    fps, pos = gram_hashes(batch, spec.k)
    if spec.window > 1:
        sel = winnow_positions(fps, spec.window)
        fps, pos = fps[sel], pos[sel]
    if len(fps) == 0:
        raise ValidationError(
            f"the text for work {work_id} has {len(batch.word_hash)} words, fewer than one "
            f"{spec.k}-word gram",
            field="text",
            value=len(batch.word_hash),
            expected=f"at least {spec.k} words",
        )
    blob = np.asarray(fps, dtype="<u8").tobytes()
    return _Fingerprints(
        len(batch.word_hash),
        len(fps),
        blob,
        np.asarray(pos, dtype="<u4").tobytes(),
        hashlib.sha256(blob).hexdigest(),
    )


def _check_may_fingerprint(uow: SqlUnitOfWork, actor: Actor, work: Work, now: datetime) -> None:
    """The rule that registers a work registers its text (``access.check_may_register``): an
    admin; a creator key of a party named on the work; an organisation only with a mandate
    in force from every holder and contributor other than itself, not from one of them."""
    mandates = (
        uow.mandates.of_organisation(actor.own_party()) if actor.role is Role.ORGANISATION else []
    )
    check_may_register(
        actor, work_parties(work), mandates, at=now, what=f"fingerprints of work {work.id}"
    )


def spec_key(spec: CanonSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":"))


class FingerprintCases:
    _uow: Callable[[bool], SqlUnitOfWork]
    clock: Callable[[], datetime]

    def register_fingerprints(
        self, actor: Actor, *, work_id: str, text: str, spec: CanonSpec | None = None
    ) -> FingerprintSummary:
        """Fingerprint ``text`` under ``spec`` and store the fingerprints for the work."""
        spec = spec or CanonSpec()
        fp = _fingerprint(text, spec, work_id)
        with self._uow(True) as uow:
            now = uow.ledger.locked_now(self.clock)  # time in ledger order; mandates read after
            _check_may_fingerprint(uow, actor, uow.works.get(work_id), now)
            replaced = uow.fingerprints.put(
                work_id=work_id,
                spec=spec_key(spec),
                words=fp.words,
                count=fp.count,
                fingerprints=fp.blob,
                positions=fp.positions,
                sha256=fp.sha256,
                at=now,
            )
            event = events.work_fingerprinted(
                work_id,
                spec=spec.to_dict(),
                words=fp.words,
                fingerprints=fp.count,
                sha256=fp.sha256,
                replaced=replaced,
            )
            uow.ledger.append(*event, actor=actor.label, at=now)
            uow.commit()
        return FingerprintSummary(work_id, fp.words, fp.count, fp.sha256, replaced)

    def bundle_works(self, *, purpose: Purpose, at: datetime | None = None) -> list[str]:
        """Fingerprinted works whose terms for ``purpose`` are not ``allowed`` at ``at``."""
        when = at or self.clock()
        out: list[str] = []
        with self._uow(False) as uow:
            ids = uow.fingerprints.work_ids()
            for i in range(0, len(ids), 2000):
                summaries = uow.works.summaries(ids[i : i + 2000])
                decls = uow.declarations.for_works(list(summaries.values()))
                for wid, w in summaries.items():
                    terms = terms_for(wid, w.parties, decls[wid], at=when)
                    if terms.status(purpose) is not Status.ALLOWED:
                        out.append(wid)
        return sorted(out)

    def bundle_spec(self) -> CanonSpec:
        """The spec a bundle is built with: the one every stored fingerprint set was made with
        (a registry fingerprinted under canon-v1 keeps giving canon-v1 bundles), the current
        default when none is stored. Sets under several specs are named by
        :meth:`bundle_fingerprints` (register those texts again)."""
        with self._uow(False) as uow:
            keys = uow.fingerprints.specs()
        if len(keys) != 1:
            return CanonSpec()
        return CanonSpec.from_dict(json.loads(keys[0]))

    def bundle_fingerprints(
        self, work_ids: list[str], spec: CanonSpec
    ) -> Iterator[tuple[str, Any, Any, int]]:
        """``(work_id, fingerprints, positions, words)`` for an index builder."""
        import numpy as np

        key = spec_key(spec)
        with self._uow(False) as uow:
            for wid, stored_spec, words, blob, positions in uow.fingerprints.load(work_ids):
                if stored_spec != key:
                    raise ValidationError(
                        f"work {wid} was fingerprinted under {stored_spec}, not {key}; "
                        "register its text again",
                        field="spec",
                        value=stored_spec,
                        expected=key,
                    )
                fps = np.frombuffer(blob, dtype="<u8").astype(np.uint64)
                pos = np.frombuffer(positions, dtype="<u4").astype(np.int64)
                yield wid, fps, pos, words
