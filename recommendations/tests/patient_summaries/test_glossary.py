"""The glossary lists exactly the medical words the patient reads, in their language."""

from __future__ import annotations

import pytest

from recommendations.patient_summaries import generation
from recommendations.patient_summaries.glossary import TERMS, glossary_for, terms_in
from tests.plans import demo_plans


@pytest.mark.django_db
def test_the_glossary_lists_exactly_the_medical_words_in_the_text():
    for number, plan in demo_plans().items():
        for language in ("en", "es"):
            generated = generation.generate(plan, language)
            listed = {entry["key"] for entry in generated.glossary}
            assert listed == terms_in(f"{generated.title}\n{generated.body}", language), number
            assert "spinal_cord" in listed or number in (2, 3, 7, 8), number


def test_glossary_for_finds_terms_in_alphabetical_order():
    assert [e["term"] for e in glossary_for("An MRI and SBRT.", "en")] == ["MRI", "SBRT"]
    assert glossary_for("Nothing medical here.", "en") == []


def test_every_term_has_both_languages():
    assert all(set(t.term) == set(t.definition) == set(t.patterns) == {"en", "es"} for t in TERMS)
    assert len({t.key for t in TERMS}) == len(TERMS)  # keys are unique
