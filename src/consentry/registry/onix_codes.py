"""ONIX code tables consentry reads: short tags, identifier types, contributor roles
(code list 17) and the TDM usage constraint (code lists 145/146). Data only."""

from __future__ import annotations

from consentry.registry.purposes import Purpose, Status
from consentry.registry.works import ContributorRole

# Short tags (ONIX 3.0 and 2.1) of the elements read here, and their reference names.
SHORT_TAGS = {
    "ONIXmessage": "ONIXMessage",
    "header": "Header",
    "sender": "Sender",
    "senderidentifier": "SenderIdentifier",
    "m172": "FromEANNumber",
    "m173": "FromSAN",
    "m174": "FromCompany",
    "product": "Product",
    "a001": "RecordReference",
    "a002": "NotificationType",
    "productidentifier": "ProductIdentifier",
    "b221": "ProductIDType",
    "b244": "IDValue",
    "descriptivedetail": "DescriptiveDetail",
    "b012": "ProductForm",
    "epubusageconstraint": "EpubUsageConstraint",
    "x318": "EpubUsageType",
    "x319": "EpubUsageStatus",
    "epublicense": "EpubLicense",
    "titledetail": "TitleDetail",
    "title": "Title",
    "b202": "TitleType",
    "titleelement": "TitleElement",
    "x409": "TitleElementLevel",
    "b203": "TitleText",
    "b030": "TitlePrefix",
    "b031": "TitleWithoutPrefix",
    "b029": "Subtitle",
    "b028": "DistinctiveTitle",
    "contributor": "Contributor",
    "b035": "ContributorRole",
    "nameidentifier": "NameIdentifier",
    "x415": "NameIDType",
    "personnameidentifier": "PersonNameIdentifier",
    "b390": "PersonNameIDType",
    "b036": "PersonName",
    "b037": "PersonNameInverted",
    "b039": "NamesBeforeKey",
    "b247": "PrefixToKey",
    "b040": "KeyNames",
    "b248": "SuffixToKey",
    "b047": "CorporateName",
    "x443": "CorporateNameInverted",
    "publishingdetail": "PublishingDetail",
    "publisher": "Publisher",
    "b291": "PublishingRole",
    "b081": "PublisherName",
    "publisheridentifier": "PublisherIdentifier",
    "x447": "PublisherIDType",
}

# Code list 5 (product identifier type) -> identifier scheme.
PRODUCT_ID_TYPES = {"02": "isbn", "15": "isbn", "03": "isbn", "06": "doi", "26": "doi"}
# Code list 44 / 101 (name identifier type) -> identifier scheme.
NAME_ID_TYPES = {"16": "isni", "21": "orcid"}

# Code list 17 (contributor role) -> consentry role. Codes not listed are left out, noted.
CONTRIBUTOR_ROLES: dict[str, ContributorRole] = {
    "A01": ContributorRole.AUTHOR,  # By (author)
    "A02": ContributorRole.CO_AUTHOR,  # With
    "A03": ContributorRole.AUTHOR,  # Screenplay by
    "A04": ContributorRole.LYRICIST,  # Libretto by
    "A05": ContributorRole.LYRICIST,  # Lyrics by
    "A06": ContributorRole.COMPOSER,  # By (composer)
    "A07": ContributorRole.ILLUSTRATOR,  # By (artist)
    "A08": ContributorRole.ILLUSTRATOR,  # By (photographer)
    "A09": ContributorRole.AUTHOR,  # Created by
    "A12": ContributorRole.ILLUSTRATOR,  # Illustrated by
    "A13": ContributorRole.ILLUSTRATOR,  # Photographs by
    "A14": ContributorRole.AUTHOR,  # Text by
    "A31": ContributorRole.LYRICIST,  # Book and lyrics by
    "A35": ContributorRole.ILLUSTRATOR,  # Drawings by
    "A38": ContributorRole.AUTHOR,  # Original author
    "B01": ContributorRole.EDITOR,  # Edited by
    "B06": ContributorRole.TRANSLATOR,  # Translated by
    "B08": ContributorRole.TRANSLATOR,  # Translated with commentary by
    "B09": ContributorRole.EDITOR,  # Series edited by
    "B10": ContributorRole.TRANSLATOR,  # Edited and translated by
    "B11": ContributorRole.EDITOR,  # Editor-in-chief
    "B12": ContributorRole.EDITOR,  # Guest editor
    "B13": ContributorRole.EDITOR,  # Volume editor
    "B21": ContributorRole.EDITOR,  # General editor
    "E01": ContributorRole.PERFORMER,  # Actor
    "E02": ContributorRole.PERFORMER,  # Dancer
    "E03": ContributorRole.NARRATOR,  # Narrator
    "E05": ContributorRole.PERFORMER,  # Vocal soloist
    "E06": ContributorRole.PERFORMER,  # Instrumental soloist
    "E07": ContributorRole.NARRATOR,  # Read by
    "E08": ContributorRole.PERFORMER,  # Performed by (orchestra, band, ensemble)
    "E99": ContributorRole.PERFORMER,  # Performed by
}

# Code list 146 (usage status) for usage type 11 -> status of the AI purposes.
TDM_USAGE_TYPE = "11"
TDM_STATUS = {"01": Status.ALLOWED, "02": Status.LICENCE, "03": Status.RESERVED}
TDM_PURPOSES = (Purpose.TDM, Purpose.AI_TRAIN, Purpose.AI_INPUT, Purpose.AI_INDEX)
AI_RESELLER_USAGE_TYPES = {"13": "private purchase experience", "14": "private reading experience"}
