"""Catalog search that finds what people type: spellings, synonyms and Devanagari.

Indian puja names have many Latin spellings (Ganesh, Ganesha, Ganapathi;
Satyanarayan, Satyanarayana; Griha Pravesh, Grihapravesh, Gruhapravesam) and
are often typed in Devanagari (गणेश). Both the catalog text and the query go
through one normaliser, ``search_key``, that folds these variants onto one
spelling; a short synonym table covers different words for one ritual
(havan, homam, yagya). Services and categories store their normalised text,
so the database only does substring matching, the same on SQLite and
PostgreSQL.

The Devanagari table is our own (the Unicode block is fixed): the
transliteration libraries on PyPI pull in command-line and progress-bar
dependencies for what is a one-table job here.
"""

import re
import unicodedata

# Devanagari consonants with their common Latin spelling (inherent "a" added).
_CONSONANTS = {
    "क": "k",
    "ख": "kh",
    "ग": "g",
    "घ": "gh",
    "ङ": "n",
    "च": "ch",
    "छ": "chh",
    "ज": "j",
    "झ": "jh",
    "ञ": "n",
    "ट": "t",
    "ठ": "th",
    "ड": "d",
    "ढ": "dh",
    "ण": "n",
    "त": "t",
    "थ": "th",
    "द": "d",
    "ध": "dh",
    "न": "n",
    "प": "p",
    "फ": "ph",
    "ब": "b",
    "भ": "bh",
    "म": "m",
    "य": "y",
    "र": "r",
    "ल": "l",
    "ळ": "l",
    "व": "v",
    "श": "sh",
    "ष": "sh",
    "स": "s",
    "ह": "h",
}
_VOWELS = {
    "अ": "a",
    "आ": "aa",
    "इ": "i",
    "ई": "ii",
    "उ": "u",
    "ऊ": "uu",
    "ऋ": "ri",
    "ए": "e",
    "ऐ": "ai",
    "ओ": "o",
    "औ": "au",
}
_MATRAS = {
    "ा": "aa",
    "ि": "i",
    "ी": "ii",
    "ु": "u",
    "ू": "uu",
    "ृ": "ri",
    "े": "e",
    "ै": "ai",
    "ो": "o",
    "ौ": "au",
}
_VIRAMA = "्"
_SIGNS = {"ं": "n", "ँ": "n", "ः": "h"}
_NUKTA = "़"


def transliterate_devanagari(text: str) -> str:
    """Return ``text`` with Devanagari written in everyday Latin letters.

    गणेश -> ganesha, सत्यनारायण -> satyanaaraayana; other characters are kept.
    """
    out = []
    pending_a = False
    for char in unicodedata.normalize("NFD", text):
        if char == _NUKTA:
            continue
        if char in _MATRAS:
            out.append(_MATRAS[char])
            pending_a = False
            continue
        if char == _VIRAMA:
            pending_a = False
            continue
        if pending_a:
            out.append("a")
            pending_a = False
        if char in _CONSONANTS:
            out.append(_CONSONANTS[char])
            pending_a = True
        elif char in _VOWELS:
            out.append(_VOWELS[char])
        elif char in _SIGNS:
            out.append(_SIGNS[char])
        else:
            out.append(char)
    if pending_a:
        out.append("a")
    return "".join(out)


# Applied in order to each lower-case Latin word.
_SPELLING_RULES = [
    (re.compile(r"x"), "ks"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"jn"), "gy"),
    (re.compile(r"(?<=[bcdgjkpst])h"), ""),  # bh, dh, sh, th ... -> b, d, s, t
    (re.compile(r"(?<=[bcdfgjklmnpstv])ru"), "ri"),  # gruha -> griha
    (re.compile(r"ee"), "i"),
    (re.compile(r"oo"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),  # aa, ii, uu, tt ... -> a, i, u, t
]


def _fold_word(word: str) -> str:
    for pattern, replacement in _SPELLING_RULES:
        word = pattern.sub(replacement, word)
    return word


def _words(text: str) -> list[str]:
    # IAST's vocalic r (gṛha) is written "ri" in everyday spelling.
    text = unicodedata.normalize("NFC", text or "").replace("ṛ", "ri")
    text = transliterate_devanagari(text.replace("Ṛ", "Ri"))
    # Strip accents (IAST's ṇ, ś, ā) and keep letters and digits only.
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [_fold_word(word) for word in re.findall(r"[a-z0-9]+", text.lower())]


def _drop_final_a(word: str) -> str:
    # Ganesha/Ganesh, Satyanarayana/Satyanarayan: the final schwa is optional.
    return word[:-1] if len(word) > 3 and word.endswith("a") else word


def search_key(text: str, *, joined: bool = False) -> str:
    """Return ``text`` normalised for matching: folded words separated by spaces.

    With ``joined``, the words are also appended run together, so that
    "grihapravesh" finds "Griha Pravesh".
    """
    words = _words(text)
    key = " ".join(_drop_final_a(word) for word in words)
    if joined and len(words) > 1:
        key += " " + "".join(words[:-1]) + _drop_final_a(words[-1])
    return key


# Words that mean the same ritual or deity, as people type them.
_SYNONYMS = [
    ["havan", "hawan", "homam", "homa", "yagya", "yagna", "yajna", "yagam"],
    ["ganesh", "ganpati", "ganapati", "ganapathi", "vinayak", "vinayaka", "gajanan"],
    ["lakshmi", "laxmi", "mahalakshmi"],
    ["satyanarayan", "satyanarayana", "satynarayan", "satyanarayanan"],
    ["grihapravesh", "gruhapravesam", "grihapravesam", "housewarming"],
    ["shiv", "shiva", "mahadev", "shankar", "bholenath"],
    ["navagraha", "navgraha", "navagrah", "navagrahas"],
    ["durga", "devi", "ambe"],
    ["shraddh", "shraddha", "shradh", "pitru", "pitra", "tarpan"],
    ["mundan", "chudakarma"],
    ["naamkaran", "namkaran", "namakarana"],
    ["upanayan", "upanayanam", "janeu", "yagnopavit"],
]


def _synonym_table() -> dict[str, tuple[str, ...]]:
    table = {}
    for group in _SYNONYMS:
        keys = tuple(dict.fromkeys(search_key(word) for word in group))
        for key in keys:
            table[key] = keys
    return table


SYNONYMS = _synonym_table()
# Shorter keys match too much as substrings ("hom" is in "home").
_MIN_KEY_LENGTH = 4


def query_terms(query: str) -> list[tuple[str, ...]]:
    """Return, per word of ``query``, the normalised spellings that may match it.

    A service matches when every word matches one of its spellings; words
    that normalise to nothing (punctuation) are dropped.
    """
    terms = []
    for word in search_key(query).split():
        spellings = SYNONYMS.get(word)
        if spellings:
            spellings = tuple(
                s for s in spellings if len(s) >= _MIN_KEY_LENGTH or s == word
            )
        else:
            spellings = (word,)
        terms.append(spellings)
    return terms
