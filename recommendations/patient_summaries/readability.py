"""How hard a patient text is to read: a school grade, with the target and the warning line.

Target grade 6 or lower, warning above grade 8 (AMA; Weiss, *Health Literacy* manual; see
../shared/clinical/REFERENCE.md "Plain-language patient material").

English: Flesch–Kincaid grade = 0.39 × words/sentences + 11.8 × syllables/words − 15.59 (Kincaid
et al., 1975), words and sentences counted by textstat. Syllables: textstat 0.7.13 looks words up
in the CMU pronouncing dictionary, which it loads through NLTK by downloading it at first use; the
hospital's servers (and CI) have no route to that download, so the syllables are estimated here,
the same way on every machine: the larger of pyphen's count (hyphenation points + 1, textstat's own
fallback) and the number of vowel groups (a silent final "e", "-es", "-ed" or "-ely" not
counted); an acronym counts a syllable per letter. Pyphen alone undercounts ("palliative" 3,
"anyone" 2); the larger of the two errs high. The tests check the grades against a second,
independent implementation (`readability`, `legibilidad`).

English, second measure: SMOG (McLaughlin 1969), from the same word, sentence and syllable
counts; the issue-13 bar is FK ≤ 6 and SMOG ≤ 7 (`Readability.meets_target`).

Spanish: the Crawford formula (Crawford 1984, years of schooling for Spanish primary-school
texts), computed by textstat with Spanish syllabification; Fernández-Huerta's reading ease is
reported beside it and is the Spanish bar (≥ 70, INFLESZ "fairly easy" or easier). A textstat
instance per language is used, never `textstat.set_lang` on the shared module instance, which is
process-global state that concurrent requests would race on.

Before measuring, every line is ended with a full stop when it has no closing punctuation: a
heading or a list item is read as its own unit, and textstat would otherwise run it into the
next sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen
from textstat.textstat import textstatistics

TARGET_GRADE = 6.0
WARN_ABOVE_GRADE = 8.0
# Issue 13's bar for every summary the demo releases: Flesch–Kincaid ≤ 6 and SMOG ≤ 7 (English);
# Fernández-Huerta ≥ 70, INFLESZ "fairly easy" or easier (Spanish; Barrio-Cantalejo 2008).
MAX_SMOG = 7.0
MIN_FERNANDEZ_HUERTA = 70.0

_LINE_END = re.compile(r"[.!?:;]$")
_MARKUP = re.compile(r"^\s*(?:##|!!|-)\s*")


@dataclass(frozen=True)
class Readability:
    grade: float
    measure: str
    language: str
    reading_ease: float | None = None  # Spanish: Fernández-Huerta (206.84 − 60 P − 1.02 F)
    smog: float | None = None  # English: SMOG grade (McLaughlin 1969)

    @property
    def meets_target(self) -> bool:
        """Easy enough for every patient: FK ≤ 6 and SMOG ≤ 7, or Fernández-Huerta ≥ 70."""
        if self.language == "es":
            return self.reading_ease is not None and self.reading_ease >= MIN_FERNANDEZ_HUERTA
        return self.grade <= TARGET_GRADE and self.smog is not None and self.smog <= MAX_SMOG

    @property
    def level(self) -> str:
        """ "target" (≤ 6), "above_target" (6–8) or "warning" (> 8)."""
        return grade_level(self.grade)


def grade_level(grade: float | None) -> str:
    if grade is None:
        return "unknown"
    if grade <= TARGET_GRADE:
        return "target"
    if grade <= WARN_ABOVE_GRADE:
        return "above_target"
    return "warning"


def prose(text: str) -> str:
    """The text as sentences: markup removed, each non-empty line closed with a full stop."""
    lines = []
    for raw in text.splitlines():
        line = _MARKUP.sub("", raw).strip()
        if not line:
            continue
        if not _LINE_END.search(line):
            line += "."
        lines.append(line)
    return "\n".join(lines)


@lru_cache(maxsize=4)
def _textstat(language: str) -> textstatistics:
    instance = textstatistics()
    instance.set_lang(language)
    return instance


@lru_cache(maxsize=1)
def _english_hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
# "-es" is its own syllable after a hissing sound: "advises", "defences", "messages", "boxes".
_SOUNDED_ES = ("ses", "ces", "ges", "zes", "xes", "shes", "ches")
_ACRONYM = re.compile(r"^[A-Z]{2,5}s?$")


def _vowel_groups(word: str) -> int:
    letters = re.sub(r"[^a-z]", "", word.lower())
    count = len(_VOWEL_GROUPS.findall(letters))
    if count > 1 and letters.endswith("e") and not letters.endswith(("le", "ee", "ye")):
        count -= 1  # silent final e: "make", "stone"
    elif count > 1 and letters.endswith("es") and not letters.endswith(_SOUNDED_ES):
        count -= 1  # silent e of a plural or a verb: "hormones", "downsides" (not "advises")
    elif count > 1 and letters.endswith("ed") and not letters.endswith(("ted", "ded")):
        count -= 1  # silent e of a past tense: "happened", "collapsed" (not "needed")
    if count > 1 and re.search(r"[^aeiou]ely$|[^aeiou]ement$|[^aeiou]eful$", letters):
        count -= 1  # silent e before a suffix: "safely", "movement"
    return max(1, count)


def english_syllables(word: str) -> int:
    if _ACRONYM.match(word):
        return len(word.rstrip("s"))  # "MRI", "SBRT": each letter is said
    hyphenated = len(_english_hyphenator().positions(word.lower())) + 1
    return max(hyphenated, _vowel_groups(word))


def flesch_kincaid_grade(text: str) -> float:
    stats = _textstat("en_US")
    words = stats.lexicon_count(text)
    sentences = stats.sentence_count(text)
    if not words or not sentences:
        return 0.0
    # textstat's own word list (punctuation removed), so words and syllables agree.
    syllables = sum(english_syllables(word) for word in stats.remove_punctuation(text).split())
    return 0.39 * words / sentences + 11.8 * syllables / words - 15.59


def smog_grade(text: str) -> float:
    """SMOG = 1.0430 × √(polysyllables × 30 / sentences) + 3.1291 (McLaughlin 1969); a
    polysyllable has three or more syllables, counted as for Flesch–Kincaid."""
    stats = _textstat("en_US")
    sentences = stats.sentence_count(text)
    if not sentences:
        return 0.0
    words = stats.remove_punctuation(text).split()
    polysyllables = sum(1 for word in words if english_syllables(word) >= 3)
    return 1.0430 * (polysyllables * 30 / sentences) ** 0.5 + 3.1291


def measure(text: str, language: str) -> Readability:
    """The reading grade of a patient text (rounded to one decimal)."""
    body = prose(text)
    if language == "es":
        stats = _textstat("es")
        return Readability(
            grade=round(stats.crawford(body), 1),
            measure="Crawford",
            language="es",
            reading_ease=round(stats.fernandez_huerta(body), 1),
        )
    return Readability(
        grade=round(flesch_kincaid_grade(body), 1),
        measure="Flesch–Kincaid",
        language="en",
        smog=round(smog_grade(body), 1),
    )
