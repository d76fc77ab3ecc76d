from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"

    def ready(self):
        # Registers the OpenAPI extensions for our fields and token authentication.
        from apps.api import schema  # noqa: F401
