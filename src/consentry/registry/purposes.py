"""Purposes vocabulary v1 and the three statuses a holder can declare for each.

Decision (vocabulary v1): five purposes, chosen so that every carrier consentry writes
(TDMRep, robots.txt, aipref, Content-Signal, RSL, CAWG, IPTC) maps onto them without loss
in the restrictive direction. ``tdm`` is the widest (any text and data mining).
"""

from __future__ import annotations

from enum import StrEnum

from consentry.registry.choices import parse_choice

VOCABULARY_VERSION = "v1"


class Purpose(StrEnum):
    TDM = "tdm"  # any text and data mining
    AI_TRAIN = "ai-train"  # training or fine-tuning any AI model
    AI_INPUT = "ai-input"  # use at inference time: retrieval, grounding, prompts
    AI_INDEX = "ai-index"  # building AI retrieval indexes or embeddings
    SEARCH = "search"  # classic search indexing

    @classmethod
    def parse(cls, value: str) -> Purpose:
        return parse_choice(cls, value, field="purpose", label="purpose")


class Status(StrEnum):
    RESERVED = "reserved"  # no consent; the default for every registered work
    LICENCE = "licence"  # available under licence terms, authorisation in advance
    ALLOWED = "allowed"  # consent given (optionally with attribution)

    @classmethod
    def parse(cls, value: str) -> Status:
        v = value.strip().lower()
        if v == "license":  # US spelling accepted on input
            v = "licence"
        return parse_choice(cls, value, field="status", label="status", key=v)


ALL_PURPOSES: tuple[Purpose, ...] = tuple(Purpose)
