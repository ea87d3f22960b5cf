"""Letters rendered from Jinja2 templates to plain text, HTML and PDF (WeasyPrint).

The shipped templates are in ``notices/templates``; ``--template DIR`` puts an
organisation's copies first (a file missing there is taken from the shipped set). The
templates' fingerprint (SHA-256 over names and bytes) is recorded with the campaign, and a
send refuses templates that changed since the campaign was created.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from consentry.errors import ValidationError
from consentry.notices.message import Rendered

BUILTIN = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILES = ("*.html", "*.txt")


def template_fingerprint(folder: Path | None) -> str:
    digest = hashlib.sha256()
    for base in ([folder] if folder else []) + [BUILTIN]:
        for pattern in TEMPLATE_FILES:
            for path in sorted(base.glob(pattern)):
                digest.update(f"{base == BUILTIN}:{path.name}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


class LetterRenderer:
    """Renders one notice's letter from its context (see ``letters.letter_context``)."""

    def __init__(self, folder: Path | None = None, *, pdf: bool = True) -> None:
        from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

        if folder is not None and not folder.is_dir():
            raise ValidationError(
                f"template folder {folder} does not exist",
                field="--template",
                value=str(folder),
                expected="a folder of notice templates (copy notices/templates)",
            )
        loaders = [FileSystemLoader(str(folder))] if folder else []
        loaders.append(FileSystemLoader(str(BUILTIN)))
        self.folder = folder
        self.pdf = pdf
        self._html = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=True,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self._text = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=False,
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def fingerprint(self) -> str:
        return template_fingerprint(self.folder)

    def render(self, context: dict[str, Any], *, followup: bool = False) -> Rendered:
        from jinja2 import TemplateError

        name = "followup" if followup else str(context["kind"])
        try:
            html = self._html.get_template(f"{name}.html").render(context)
            text = self._text.get_template(f"{name}.txt").render(context)
        except TemplateError as exc:
            raise ValidationError(
                f"notice template {name} does not render: {exc}",
                field="--template",
                value=str(self.folder or BUILTIN),
                expected=f"templates {name}.html and {name}.txt that render with the "
                "values listed in docs/notices.md",
            ) from None
        return Rendered(
            subject=str(context["subject"]),
            text=text,
            html=html,
            pdf=self.to_pdf(html) if self.pdf else b"",
        )

    @staticmethod
    def to_pdf(html: str) -> bytes:
        from weasyprint import HTML  # type: ignore[import-untyped]

        pdf = HTML(string=html, base_url=str(BUILTIN)).write_pdf()
        return bytes(pdf or b"")
