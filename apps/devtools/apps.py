from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tools for developers and the benchmark (synthetic data): above every other app, which
    none imports."""

    name = "apps.devtools"
    label = "devtools"
