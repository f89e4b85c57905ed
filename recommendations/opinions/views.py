"""Opinion pages: "my cases" for the next meetings, and the opinion form beside the case.

Access: clinical staff only (403 for patients and users without a role). A meeting or case outside
the user's boards, or a case not on that meeting's agenda, is a 404. The others' opinions are shown
only as `selectors.opinion_visibility` allows.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit import reads
from cases.assessment import stored_case_assessment
from cases.models import Case
from cases.selectors import case_detail
from recommendations.models import Opinion
from recommendations.opinions import selectors, services
from recommendations.opinions.forms import OpinionForm
from recommendations.opinions.options import SYSTEMIC_CLASSES, option_label
from scheduling.models import AgendaItem, Meeting
from scheduling.selectors import meeting_for_user
from tumorboard.errors import ApplicationError
from tumorboard.pages import error_summary, show_errors, staff_required

SYSTEMIC_CLASS_LABELS = dict(SYSTEMIC_CLASSES)


@staff_required
def my_cases(request):
    agendas = selectors.my_agenda(request.user)
    reads.record_many(
        request,
        "case.agenda",
        [(e.case.patient.uuid, e.case.uuid) for agenda in agendas for e in agenda.cases],
    )
    return render(
        request,
        "recommendations/my_cases.html",
        {"agendas": agendas, "gives_opinions": selectors.can_give_opinions(request.user)},
    )


def _labelled(opinion: Opinion | None) -> Opinion | None:
    """The opinion with its options and systemic class in words, for the template."""
    if opinion is not None:
        opinion.option_labels = [option_label(slug) for slug in opinion.options]
        opinion.systemic_class_label = SYSTEMIC_CLASS_LABELS.get(
            opinion.systemic_class, opinion.systemic_class
        )
    return opinion


def _meeting_and_case(user, meeting_uuid, case_uuid) -> tuple[Meeting, Case]:
    try:
        meeting = meeting_for_user(user=user, uuid=meeting_uuid)
        case = case_detail(user=user, uuid=case_uuid)
    except (Meeting.DoesNotExist, Case.DoesNotExist):
        raise Http404("No such case on that meeting.") from None
    if not AgendaItem.objects.filter(meeting=meeting, case=case).exists():
        raise Http404("No such case on that meeting.")
    return meeting, case


@staff_required
def opinion_form(request, meeting_uuid, case_uuid):
    """The specialist's opinion form beside the case data and scores."""
    user = request.user
    meeting, case = _meeting_and_case(user, meeting_uuid, case_uuid)
    own = Opinion.objects.filter(case=case, meeting=meeting, author=user).first()
    started = selectors.meeting_has_started(meeting)
    gives_opinions = selectors.can_give_opinions(user)
    writable = gives_opinions and not started
    form, conflict = None, None
    if gives_opinions:
        discipline = own.discipline if own else user.specialist_profile.discipline
        regimens = selectors.board_regimens(case.board)
        form = OpinionForm(
            initial=OpinionForm.initial_from(own), discipline=discipline, regimens=regimens
        )
    if request.method == "POST":
        if not gives_opinions:
            raise PermissionDenied
        if started:
            messages.error(request, services.MEETING_STARTED)
            return redirect("opinion-form", meeting_uuid=meeting.uuid, case_uuid=case.uuid)
        form = OpinionForm(request.POST, discipline=discipline, regimens=regimens)
        if form.is_valid():
            try:
                opinion = services.opinion_save(
                    case=case,
                    meeting=meeting,
                    author=user,
                    expected_revision=form.cleaned_data["revision"],
                    **form.opinion_fields(),
                )
            except services.StaleRevisionError as exc:
                # Keep what the user typed; the next save knowingly replaces the current version.
                conflict = own = exc.current
                data = request.POST.copy()
                data["revision"] = str(conflict.revision)
                form = OpinionForm(data, discipline=discipline, regimens=regimens)
                form.is_valid()
                form.add_error(None, exc.message)
            except ApplicationError as exc:
                show_errors(exc, form)
            else:
                messages.success(
                    request,
                    _("Opinion saved (revision %(revision)d).") % {"revision": opinion.revision},
                )
                return redirect("opinion-form", meeting_uuid=meeting.uuid, case_uuid=case.uuid)
    visibility = selectors.opinion_visibility(user, case, meeting)
    others = [
        _labelled(opinion)
        for opinion in selectors.opinions_visible_to(user, case, meeting)
        if opinion.author_id != user.pk
    ]
    reads.record(request, "case", patient=case.patient.uuid, obj=case.uuid)
    return render(
        request,
        "recommendations/opinion_form.html",
        {
            "meeting": meeting,
            "case": case,
            "patient": case.patient,
            "lesions": case.lesions.all(),
            "prior_treatments": case.prior_treatments.all(),
            "assessment": stored_case_assessment(case),
            "goals": [
                Case.Goal(goal).label for goal in case.goals_ranked if goal in Case.Goal.values
            ],
            "form": form if writable else None,
            "errors": error_summary(form) if form is not None and form.is_bound else [],
            "own": _labelled(own),
            "conflict": _labelled(conflict),
            "others": others,
            "others_hidden": visibility is selectors.Visibility.OWN,
            "started": started,
            "gives_opinions": gives_opinions,
        },
    )
