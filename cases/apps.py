from django.apps import AppConfig


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"

    def ready(self) -> None:
        # Register the cases' tasks in every process: the attachment service sends
        # `attachment_previews_make` by name (its module imports the services), and with no broker
        # configured tasks run in the sending process, so the name must resolve there.
        from cases import tasks  # noqa: F401
