"""The reading grade: Flesch-Kincaid (English), Crawford (Spanish), and the target bands."""

from __future__ import annotations

import textstat

from recommendations.patient_summaries.readability import grade_level, measure, prose


def test_flesch_kincaid_grade_follows_the_formula(hard_text):
    # 6 words, 1 sentence, 8 syllables: 0.39 × 6 + 11.8 × 8/6 − 15.59 = 2.48
    assert measure("The patient can walk home today.", "en").grade == 2.5
    assert measure(hard_text, "en").grade > 8
    assert grade_level(measure(hard_text, "en").grade) == "warning"


def test_grade_levels_mark_the_target_and_the_warning():
    assert grade_level(6.0) == "target"
    assert grade_level(6.1) == "above_target"
    assert grade_level(8.0) == "above_target"
    assert grade_level(8.1) == "warning"
    assert grade_level(None) == "unknown"


def test_headings_and_list_items_are_read_as_sentences():
    assert prose("## Why the team met\n- New weakness\nDone.") == (
        "Why the team met.\nNew weakness.\nDone."
    )


def test_spanish_measure_leaves_english_and_textstat_untouched():
    english = "The team met to talk about your care. You will have radiotherapy."
    before = measure(english, "en").grade
    spanish = measure("El equipo se reunió para hablar de su atención. No duele.", "es")
    assert spanish.measure == "Crawford" and spanish.reading_ease is not None
    assert measure(english, "en").grade == before
    # The shared textstat instance keeps its default language (no global set_lang).
    assert getattr(textstat.textstat, "_textstatistics__lang", "en_US") == "en_US"
