"""Helpers of the opinion tests: two valid opinions, giving one, starting the meeting (fixtures
are in conftest.py)."""

from recommendations.opinions import services
from scheduling.models import Meeting

SURGERY = {
    "options": ["separation_surgery"],
    "rationale": "High-grade ESCC in a radioresistant primary: decompress, then SBRT.",
    "confidence": "high",
    "urgency": "urgent",
}
RADIATION = {
    "options": ["sbrt"],
    "regimen": "24 Gy/2",
    "rationale": "Separation then SBRT 24 Gy/2.",
    "confidence": "moderate",
}


def opinion_fields(discipline: str = "spine_surgery") -> dict:
    return dict(SURGERY if discipline == "spine_surgery" else RADIATION)


def submit(user, case, meeting, **fields):
    discipline = user.specialist_profile.discipline
    return services.opinion_submit(
        case=case, meeting=meeting, author=user, **(opinion_fields(discipline) | fields)
    )


def start(meeting, **changes):
    changes = changes or {"status": Meeting.Status.IN_PROGRESS}
    Meeting.objects.filter(pk=meeting.pk).update(**changes)
    meeting.refresh_from_db()
