from django.apps import AppConfig


class PositionsConfig(AppConfig):
    name = "apps.positions"
    label = "positions"

    def ready(self) -> None:
        from apps.statements.signals import quote_saved

        # Statements sit below positions and never import them: they announce each saved
        # quote, and positions check it against the coded position.
        quote_saved.connect(flag_possible_shift, dispatch_uid="positions.flag_possible_shift")


def flag_possible_shift(sender, quote, **kwargs) -> None:
    from apps.positions.services import shift_detect

    shift_detect(quote)
