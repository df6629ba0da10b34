"""The age-labelled face collections: which folder is which, how each names its files, and what its split groups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


class FaceFile(NamedTuple):
    """One labelled photo: its file, age, collection and the key its split is drawn by (a person, where known)."""

    path: Path
    age: int
    collection: str
    split_key: str


@dataclass(frozen=True)
class Collection:
    """A collection's file-name grammar. `by_person`: the same person appears in several photos, so the split is
    drawn per person (the `person` group of the pattern); otherwise per file name (one person per photo)."""

    name: str
    folder_prefix: str
    pattern: re.Pattern
    grammar: str
    by_person: bool = False

    def parse(self, filename: str) -> tuple[int, str] | None:
        """(age, split key) from a file name, or None when the name does not follow the collection's grammar."""
        match = self.pattern.match(filename)
        if not match:
            return None
        age = int(match.group("age"))
        if not 0 <= age <= 130:
            return None
        # UTKFace and All-Age-Faces keys stay the bare file name: the shipped model's split is drawn that way.
        key = f"{self.name} person {match.group('person')}" if self.by_person else filename
        return age, key


COLLECTIONS = (
    # UTKFace: AGE_GENDER_RACE_DATETIME.jpg[.chip.jpg]; two copies (200x200 and 64x64) share names.
    Collection("utkface", "utkface", re.compile(r"^(?P<age>\d{1,3})_\d+_\d+_\d+"), "AGE_GENDER_RACE_DATETIME.jpg"),
    # All-Age-Faces: SSSSSAaa.jpg, a five-digit serial and the age; one person per photo.
    Collection("all-age-faces", "all-age-faces", re.compile(r"^\d{5}A(?P<age>\d{2})\.jpe?g$", re.IGNORECASE),
               "SSSSSAaa.jpg"),
    # FG-NET: PPPAaa[a|b].jpg, the person and the age; 82 people at several ages each: split by person.
    Collection("fg-net", "fg-net", re.compile(r"^(?P<person>\d{3})A(?P<age>\d{2})[ab]?\.jpe?g$", re.IGNORECASE),
               "PPPAaa[a|b].jpg", by_person=True),
)


def collection_of(folder: str | Path, filenames: list[str] | tuple[str, ...] = ()) -> Collection:
    """The collection a folder holds: by the folder's name (utkface-64, all-age-faces, fg-net), else the one whose
    grammar most of its file names follow, else UTKFace (whose loader then names each file it cannot read)."""
    name = Path(folder).resolve().name.lower()
    for collection in COLLECTIONS:
        if name.startswith(collection.folder_prefix):
            return collection
    votes = [sum(c.parse(f) is not None for f in filenames) for c in COLLECTIONS]
    return COLLECTIONS[max(range(len(COLLECTIONS)), key=lambda i: votes[i])] if any(votes) else COLLECTIONS[0]
