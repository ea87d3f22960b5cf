"""The outbox: a campaign's attachments and every message as rendered, in the data folder
(``HOME/notices/CAMPAIGN/``). Files are written once (to a temporary name, flushed to disk,
then renamed) and read back only when their SHA-256 matches the one in the database.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from consentry.errors import StorageError
from consentry.notices.repertoire import Attachments

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, campaign_id: str) -> Path:
        return self.root / _SAFE.sub("_", campaign_id)

    def eml_path(self, campaign_id: str, message_id: str) -> Path:
        name = _SAFE.sub("_", message_id.strip("<>"))
        return self.folder(campaign_id) / "messages" / f"{name}.eml"

    def write(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with tmp.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError(
                f"cannot write {path}: {exc.strerror or exc}", path=str(path)
            ) from None

    def read(self, path: Path, sha256: str) -> bytes:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(
                f"cannot read {path}: {exc.strerror or exc}; the outbox keeps every notice as "
                "rendered (expected the file the campaign recorded)",
                path=str(path),
            ) from None
        got = hashlib.sha256(data).hexdigest()
        if got != sha256:
            raise StorageError(
                f"{path} has SHA-256 {got}, expected {sha256} as recorded: the file changed "
                "after it was written",
                path=str(path),
            )
        return data

    def write_attachments(self, campaign_id: str, attachments: Attachments) -> None:
        for name, _, data in attachments.items():
            self.write(self.folder(campaign_id) / name, data)

    def read_attachments(self, campaign_id: str, sha256s: dict[str, str]) -> Attachments:
        folder = self.folder(campaign_id)
        return Attachments(
            works_csv=self.read(folder / "works.csv", sha256s["works.csv"]),
            works_json=self.read(folder / "works.json", sha256s["works.json"]),
            odrl_json=self.read(folder / "policy.odrl.json", sha256s["policy.odrl.json"]),
            # campaigns created before mandates.csv was attached (first landing) have none
            mandates_csv=self.read(folder / "mandates.csv", sha256s["mandates.csv"])
            if "mandates.csv" in sha256s
            else b"",
        )

    def write_message(self, campaign_id: str, message_id: str, data: bytes) -> None:
        self.write(self.eml_path(campaign_id, message_id), data)

    def read_message(self, campaign_id: str, message_id: str, sha256: str) -> bytes:
        return self.read(self.eml_path(campaign_id, message_id), sha256)
