"""/api/v1/ routes for opinions and summaries."""

urlpatterns: list = []
