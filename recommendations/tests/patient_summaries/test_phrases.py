"""Reading treatments out of the plan's free text, and naming them in plain words (phrases)."""

from __future__ import annotations

import pytest

from recommendations.patient_summaries.phrases import (
    fractions_in,
    join_words,
    treatment_codes,
    treatment_names,
)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Separation surgery, then SBRT", ["separation", "sbrt"]),
        ("cEBRT 8 Gy x 1", ["radiotherapy"]),
        ("cement_augmentation", ["cement"]),
        ("Re-irradiation with SBRT", ["reirradiation", "sbrt"]),
        ("Radiotherapy and chemotherapy now, no surgery", ["radiotherapy", "chemotherapy"]),
        ("Not fit for surgery; palliative care", ["palliative"]),
        ("Observe on endocrine therapy", ["observe", "hormone"]),
        ("MRI scan in three months", ["mri"]),
        ("", []),
    ],
)
def test_treatment_codes_name_what_the_text_offers_and_not_what_it_rules_out(text, codes):
    assert treatment_codes(text) == codes


def test_treatment_codes_keep_to_the_codes_allowed():
    assert treatment_codes("SBRT after separation surgery", ["sbrt"]) == ["sbrt"]


@pytest.mark.parametrize(
    ("text", "visits"),
    [("8 Gy x 1", 1), ("20 Gy/5", 5), ("30 Gy in 10", 10), ("5 fractions", 5), ("SBRT", None)],
)
def test_fractions_in_reads_the_number_of_visits(text, visits):
    assert fractions_in(text) == visits


def test_combinations_read_as_one_treatment():
    assert treatment_names(["reirradiation", "sbrt"], "") == ["SBRT to the same place again"]
    assert treatment_names(["observe", "hormone"], "") == [
        "hormone therapy only, with regular check-ups"
    ]
    assert treatment_names(["radiotherapy"], "20 Gy/5") == ["radiotherapy over 5 visits"]
    assert join_words(["a", "b", "c"]) == "a, b and c"
    assert join_words(["a", "b"], ", then ") == "a, then b"
