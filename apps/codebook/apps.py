from django.apps import AppConfig


class CodebookConfig(AppConfig):
    name = "apps.codebook"
    label = "codebook"
    verbose_name = "Codebook"
