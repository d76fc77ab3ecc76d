"""What statements announce to the apps built on them, which statements never import."""

from django.dispatch import Signal

# Sent by the quote services once a quote and its topics are saved, inside their
# transaction, with `quote`. Positions listen, to flag a possible shift of stance.
quote_saved = Signal()
