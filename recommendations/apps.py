from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        # Register the summaries' tasks in every process, not only in the worker (which finds
        # them by autodiscovery): cases and opinions send `refresh_case_summaries` by name, and
        # with no broker configured tasks run in the sending process, so the name must resolve
        # there. An import at start-up, not to avoid a cycle: models are loaded only by now.
        # What follows from putting a case on an agenda, in the agenda service's transaction: an
        # open re-discussion of the case is answered by the new agenda item. Scheduling cannot
        # import recommendations (the layers), so recommendations hands it the step.
        from recommendations.decisions.services import rediscussion_place
        from recommendations.fhir import tasks as fhir_tasks  # noqa: F401
        from recommendations.summaries import tasks  # noqa: F401
        from scheduling.services.agenda import PLACEMENT_FOLLOW_UPS

        if rediscussion_place not in PLACEMENT_FOLLOW_UPS:
            PLACEMENT_FOLLOW_UPS.append(rediscussion_place)
