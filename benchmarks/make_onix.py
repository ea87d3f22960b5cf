"""Generate a realistic ONIX for Books 3.0 file of N products (default 100,000).

Deterministic for a given seed. Every product has a unique ISBN-13 with a valid check digit,
a title (sometimes with a subtitle), one to three contributors (some with a valid ISNI), a
publisher, an e-book or print product form, and about a third carry the TDM reservation
(``EpubUsageType`` 11 + ``EpubUsageStatus`` 03). Prints one JSON line::

    python benchmarks/make_onix.py --out /tmp/onix-100k.xml [--products N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = [
    "river",
    "stone",
    "night",
    "garden",
    "winter",
    "letter",
    "house",
    "silver",
    "empire",
    "shadow",
    "harbour",
    "glass",
    "summer",
    "island",
    "crown",
    "orchard",
    "storm",
    "mirror",
    "voyage",
    "north",
    "lantern",
    "secret",
    "city",
    "memory",
    "forest",
    "bridge",
    "salt",
    "paper",
    "queen",
    "machine",
    "echo",
    "signal",
]
FIRST = [
    "Maj",
    "Per",
    "Lois",
    "Jane",
    "Anna",
    "Omar",
    "Chen",
    "Ines",
    "Tomas",
    "Priya",
    "Sven",
    "Aiko",
    "Lena",
    "Kofi",
    "Rosa",
]
LAST = [
    "Sjöwall",
    "Wahlöö",
    "Roth",
    "Austen",
    "Berg",
    "Okafor",
    "Li",
    "Duarte",
    "Novak",
    "Rao",
    "Lund",
    "Sato",
    "Weiss",
    "Mensah",
]
PUBLISHERS = [
    "Harbour Lane Press",
    "Chapman Row Books",
    "Northlight Editions",
    "Example Press",
    "Salt & Paper Publishing",
    "Ostrava Literary House",
]
ROLES = ("A01", "A01", "A01", "B06", "A12", "B01", "E07", "A24")


def isbn13(twelve: str) -> str:
    total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def isni(fifteen: str) -> str:
    total = 0
    for c in fifteen:
        total = (total + int(c)) * 2
    r = (12 - total % 11) % 11
    return fifteen + ("X" if r == 10 else str(r))


def _product(i: int, rng: random.Random, offset: int) -> str:
    isbn = isbn13(f"978{(offset + i * 7919) % 10**9:09d}")
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))).title()
    subtitle = (
        f"<Subtitle>A Novel of the {rng.choice(WORDS).title()}</Subtitle>"
        if rng.random() < 0.3
        else ""
    )
    form = rng.choice(("ED", "ED", "BC", "BB", "AJ"))
    contributors = []
    for seq in range(1, rng.randint(1, 3) + 1):
        role = "A01" if seq == 1 else rng.choice(ROLES)
        ident = ""
        if rng.random() < 0.4:
            ident = (
                "<NameIdentifier><NameIDType>16</NameIDType>"
                f"<IDValue>{isni(f'0000000{rng.randrange(10**8):08d}')}</IDValue></NameIdentifier>"
            )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = (
            f"<PersonName>{first} {last}</PersonName>"
            if rng.random() < 0.5
            else f"<NamesBeforeKey>{first}</NamesBeforeKey><KeyNames>{last}</KeyNames>"
        )
        contributors.append(
            f"<Contributor><SequenceNumber>{seq}</SequenceNumber>"
            f"<ContributorRole>{role}</ContributorRole>{ident}{name}</Contributor>"
        )
    tdm = (
        "<EpubUsageConstraint><EpubUsageType>11</EpubUsageType>"
        "<EpubUsageStatus>03</EpubUsageStatus></EpubUsageConstraint>"
        if form == "ED" and rng.random() < 0.5
        else ""
    )
    publisher = escape(rng.choice(PUBLISHERS))
    return f"""  <Product>
    <RecordReference>org.example.bench.{isbn}</RecordReference>
    <NotificationType>03</NotificationType>
    <ProductIdentifier><ProductIDType>03</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
    <ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>{isbn}</IDValue></ProductIdentifier>
    <DescriptiveDetail>
      <ProductComposition>00</ProductComposition>
      <ProductForm>{form}</ProductForm>
      {tdm}
      <TitleDetail><TitleType>01</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel><TitleText>{escape(title)}</TitleText>{subtitle}</TitleElement></TitleDetail>
      {"".join(contributors)}
      <Language><LanguageRole>01</LanguageRole><LanguageCode>eng</LanguageCode></Language>
    </DescriptiveDetail>
    <PublishingDetail>
      <Publisher><PublishingRole>01</PublishingRole><PublisherName>{publisher}</PublisherName></Publisher>
      <PublishingStatus>04</PublishingStatus>
    </PublishingDetail>
  </Product>
"""


def write_onix(path: Path, products: int = 100_000, seed: int = 20260101) -> int:
    """Write the file; returns its size in bytes."""
    rng = random.Random(seed)
    offset = rng.randrange(10**9)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ONIXMessage xmlns="http://ns.editeur.org/onix/3.0/reference" release="3.0">\n'
            "  <Header><Sender><SenderName>consentry benchmark</SenderName></Sender>"
            "<SentDateTime>20260101T000000Z</SentDateTime></Header>\n"
        )
        for i in range(products):
            fh.write(_product(i, rng, offset))
        fh.write("</ONIXMessage>\n")
    return path.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("onix-bench.xml"))
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args()
    start = time.perf_counter()
    size = write_onix(args.out, args.products, args.seed)
    print(
        json.dumps(
            {
                "name": "make_onix",
                "value": args.products,
                "unit": "products",
                "bytes": size,
                "seconds": round(time.perf_counter() - start, 3),
                "file": str(args.out),
            }
        )
    )


if __name__ == "__main__":
    main()
