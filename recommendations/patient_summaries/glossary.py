"""Plain-language definitions of the medical words a patient summary may keep, in English and
Spanish.

A summary's glossary lists exactly the terms that appear in its text (`glossary_for`), so a term
the clinician edits out leaves the glossary too, and one they type in is explained. Definitions
are short sentences of common words (target reading grade 6, see readability.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Term:
    key: str
    term: dict[str, str]
    definition: dict[str, str]
    # Regular expressions (case-insensitive, whole words) that find the term in a text.
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def found_in(self, text: str, language: str) -> bool:
        return any(_compiled(pattern).search(text) for pattern in self.patterns[language])


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _CACHE:
        _CACHE[pattern] = re.compile(rf"(?<!\w){pattern}(?!\w)", re.IGNORECASE)
    return _CACHE[pattern]


# fmt: off
TERMS: tuple[Term, ...] = (
    Term(
        "tumour_board",
        {"en": "tumour board", "es": "comité de tumores"},
        {
            "en": "A meeting of doctors who treat each part of your illness. They plan your care "
                  "as a team.",
            "es": "Una reunión de médicos de distintas áreas. Planean juntos su atención.",
        },
        {"en": (r"tumou?r boards?",), "es": (r"comités? de tumores",)},
    ),
    Term(
        "spine",
        {"en": "spine", "es": "columna"},
        {
            "en": "The row of bones down the middle of your back. It keeps the spinal cord safe.",
            "es": "La fila de huesos en el centro de la espalda. Protege la médula espinal.",
        },
        {"en": (r"spines?",), "es": (r"columna",)},
    ),
    Term(
        "vertebra",
        {"en": "vertebra", "es": "vértebra"},
        {
            "en": "One of the small bones that make up your spine.",
            "es": "Uno de los huesos pequeños que forman la columna.",
        },
        {"en": (r"vertebrae?",), "es": (r"vértebras?",)},
    ),
    Term(
        "spinal_cord",
        {"en": "spinal cord", "es": "médula espinal"},
        {
            "en": "The thick bundle of nerves inside your spine. It carries signals between "
                  "your brain and your body.",
            "es": "El grupo de nervios que va por dentro de la columna. Lleva mensajes entre el "
                  "cerebro y el cuerpo.",
        },
        {"en": (r"spinal cord",), "es": (r"médula espinal",)},
    ),
    Term(
        "metastasis",
        {"en": "metastasis", "es": "metástasis"},
        {
            "en": "Cancer that has spread from where it started to a new part of the body.",
            "es": "Un cáncer que se ha extendido desde donde empezó a otra parte del cuerpo.",
        },
        {"en": (r"metastas[ie]s",), "es": (r"metástasis",)},
    ),
    Term(
        "lymphoma",
        {"en": "lymphoma", "es": "linfoma"},
        {
            "en": "A cancer of the white blood cells that fight germs.",
            "es": "Un cáncer de los glóbulos blancos, que luchan contra los gérmenes.",
        },
        {"en": (r"lymphomas?",), "es": (r"linfomas?",)},
    ),
    Term(
        "myeloma",
        {"en": "myeloma", "es": "mieloma"},
        {
            "en": "A cancer of cells in the soft middle of the bones.",
            "es": "Un cáncer de las células de la parte blanda de dentro de los huesos.",
        },
        {"en": (r"myelomas?",), "es": (r"mielomas?",)},
    ),
    Term(
        "melanoma",
        {"en": "melanoma", "es": "melanoma"},
        {
            "en": "A type of skin cancer.",
            "es": "Un tipo de cáncer de piel.",
        },
        {"en": (r"melanomas?",), "es": (r"melanomas?",)},
    ),
    Term(
        "leukaemia",
        {"en": "leukaemia", "es": "leucemia"},
        {
            "en": "A cancer of the blood.",
            "es": "Un cáncer de la sangre.",
        },
        {"en": (r"leuka?emias?",), "es": (r"leucemias?",)},
    ),
    Term(
        "thyroid",
        {"en": "thyroid", "es": "tiroides"},
        {
            "en": "A small gland in the front of your neck. It makes a hormone that controls "
                  "how fast your body works.",
            "es": "Una glándula pequeña en la parte de delante del cuello. Hace una hormona que "
                  "controla la rapidez del cuerpo.",
        },
        {"en": (r"thyroid",), "es": (r"tiroides",)},
    ),
    Term(
        "prostate",
        {"en": "prostate", "es": "próstata"},
        {
            "en": "A small gland below the bladder in men.",
            "es": "Una glándula pequeña debajo de la vejiga, en los hombres.",
        },
        {"en": (r"prostate",), "es": (r"próstata",)},
    ),
    Term(
        "radiotherapy",
        {"en": "radiotherapy", "es": "radioterapia"},
        {
            "en": "Treatment with strong rays, like X-rays, that kill cancer cells. "
                  "It does not hurt.",
            "es": "Un tratamiento con rayos de energía, como los rayos X, que matan las células "
                  "del cáncer. No duele.",
        },
        {"en": (r"radiotherapy",), "es": (r"radioterapia",)},
    ),
    Term(
        "sbrt",
        {"en": "SBRT", "es": "SBRT"},
        {
            "en": "A very exact kind of ray treatment. It gives a high dose to a small spot.",
            "es": "Un tipo de radioterapia muy precisa. Da una dosis alta a una zona pequeña.",
        },
        {"en": (r"SBRT",), "es": (r"SBRT",)},
    ),
    Term(
        "separation_surgery",
        {"en": "separation surgery", "es": "cirugía de separación"},
        {
            "en": "An operation that moves the cancer away from the spinal cord. This makes "
                  "room so the rays can work safely.",
            "es": "Una operación que separa el cáncer de la médula espinal. Así la radioterapia "
                  "puede actuar sin riesgo.",
        },
        {"en": (r"separation surgery",), "es": (r"cirugía de separación",)},
    ),
    Term(
        "stabilisation",
        {"en": "stabilisation", "es": "estabilización"},
        {
            "en": "An operation that holds the spine steady with screws and rods.",
            "es": "Una operación que sujeta la columna con tornillos y barras.",
        },
        {"en": (r"stabili[sz]ation",), "es": (r"estabilización",)},
    ),
    Term(
        "kyphoplasty",
        {"en": "kyphoplasty", "es": "cifoplastia"},
        {
            "en": "Bone cement is put into a broken vertebra through a needle. It makes the "
                  "bone stronger and can ease pain.",
            "es": "Se pone cemento en una vértebra rota con una aguja. Hace el hueso más fuerte "
                  "y puede calmar el dolor.",
        },
        {"en": (r"kyphoplasty",), "es": (r"cifoplastia",)},
    ),
    Term(
        "en_bloc",
        {"en": "en bloc surgery", "es": "cirugía en bloque"},
        {
            "en": "An operation to take out the whole tumour in one piece.",
            "es": "Una operación para quitar todo el tumor de una sola pieza.",
        },
        {"en": (r"en bloc surgery",), "es": (r"cirugía en bloque",)},
    ),
    Term(
        "tumour",
        {"en": "tumour", "es": "tumor"},
        {
            "en": "A lump made of cancer cells.",
            "es": "Un bulto hecho de células de cáncer.",
        },
        # Not the "tumour" inside "tumour board", which has its own entry.
        {
            "en": (r"tumou?rs?(?! boards?)",),
            "es": (r"(?<!comité de )(?<!comités de )tumor(?:es)?",),
        },
    ),
    Term(
        "chemotherapy",
        {"en": "chemotherapy", "es": "quimioterapia"},
        {
            "en": "Medicines that kill cancer cells.",
            "es": "Medicinas que matan las células del cáncer.",
        },
        {"en": (r"chemotherapy",), "es": (r"quimioterapia",)},
    ),
    Term(
        "immunotherapy",
        {"en": "immunotherapy", "es": "inmunoterapia"},
        {
            "en": "Medicines that help your body fight the cancer.",
            "es": "Medicinas que ayudan a las defensas del cuerpo a luchar contra el cáncer.",
        },
        {"en": (r"immunotherapy",), "es": (r"inmunoterapia",)},
    ),
    Term(
        "hormone_therapy",
        {"en": "hormone therapy", "es": "terapia hormonal"},
        {
            "en": "Medicines that block the hormones some cancers need to grow.",
            "es": "Medicinas que frenan las hormonas que algunos cánceres necesitan para crecer.",
        },
        {"en": (r"hormone therapy",), "es": (r"terapia hormonal",)},
    ),
    Term(
        "targeted_therapy",
        {"en": "targeted therapy", "es": "terapia dirigida"},
        {
            "en": "Medicines that attack a weak spot in the cancer cells.",
            "es": "Medicinas que atacan un punto débil de las células del cáncer.",
        },
        {"en": (r"targeted therapy",), "es": (r"terapia dirigida",)},
    ),
    Term(
        "clinical_trial",
        {"en": "clinical trial", "es": "ensayo clínico"},
        {
            "en": "A research study that tests a new treatment. Taking part is your choice.",
            "es": "Un estudio que prueba un tratamiento nuevo. Usted decide si quiere "
                  "participar.",
        },
        {"en": (r"clinical trials?",), "es": (r"ensayos? clínicos?",)},
    ),
    Term(
        "nerve_block",
        {"en": "nerve block", "es": "bloqueo nervioso"},
        {
            "en": "An injection near a nerve that stops it sending pain signals.",
            "es": "Una inyección cerca de un nervio para que deje de enviar dolor.",
        },
        {"en": (r"nerve blocks?",), "es": (r"bloqueos? nerviosos?",)},
    ),
    Term(
        "palliative_care",
        {"en": "palliative care", "es": "cuidados paliativos"},
        {
            "en": "Care that eases pain and other problems. It helps you live as well as you "
                  "can.",
            "es": "Cuidados que alivian el dolor y otras molestias. Le ayudan a vivir lo mejor "
                  "posible.",
        },
        {"en": (r"palliative care",), "es": (r"cuidados paliativos",)},
    ),
    Term(
        "physiotherapy",
        {"en": "physiotherapy", "es": "fisioterapia"},
        {
            "en": "Help and work-outs to make you stronger and move better.",
            "es": "Ejercicios y ayuda para estar más fuerte y moverse mejor.",
        },
        {"en": (r"physiotherapy",), "es": (r"fisioterapia",)},
    ),
    Term(
        "brace",
        {"en": "brace", "es": "corsé"},
        {
            "en": "A firm support you wear to hold your back steady.",
            "es": "Un soporte firme que se lleva puesto para sujetar la espalda.",
        },
        {"en": (r"braces?",), "es": (r"corsés?",)},
    ),
    Term(
        "mri",
        {"en": "MRI", "es": "resonancia magnética"},
        {
            "en": "A scan that uses a strong magnet to take clear pictures inside your body.",
            "es": "Una prueba que usa un imán fuerte para ver por dentro del cuerpo.",
        },
        {"en": (r"MRI",), "es": (r"resonancias? magnéticas?",)},
    ),
    Term(
        "oncologist",
        {"en": "oncologist", "es": "oncólogo"},
        {
            "en": "A doctor who treats cancer.",
            "es": "Un médico que trata el cáncer.",
        },
        {"en": (r"oncologists?",), "es": (r"oncólog[oa]s?",)},
    ),
)
# fmt: on


def glossary_for(text: str, language: str) -> list[dict[str, str]]:
    """The terms found in `text`, each {"key", "term", "definition"}, alphabetical by term."""
    language = language if language in LANGUAGES else "en"
    entries = [
        {"key": t.key, "term": t.term[language], "definition": t.definition[language]}
        for t in TERMS
        if t.found_in(text, language)
    ]
    return sorted(entries, key=lambda entry: entry["term"].casefold())


def terms_in(text: str, language: str) -> set[str]:
    """Keys of every glossary term that appears in `text`."""
    return {t.key for t in TERMS if t.found_in(text, language)}
