"""Twelve editors edit one position at once through the API: nothing is lost."""

import threading

import pytest
from django.db import connection

from apps.positions.models import Position
from tests.api.conftest import token_client
from tests.factories import EditorFactory

WRITERS = 12
ATTEMPTS = 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_if_match_updates_are_200_or_412_and_none_is_lost(desk):
    position = desk["position"]
    # A draft: a published position's change is a revision in review (202), not an edit.
    Position.objects.filter(pk=position.pk).update(status="draft")
    before = Position.pgh_event_model.objects.order_by("-pgh_id").values_list("pgh_id")[0][0]
    path = f"/api/v1/positions/{position.pk}/"
    clients = [token_client(EditorFactory()) for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    results = []  # (status, summary sent, version the server answered)
    lock = threading.Lock()

    def write(n, client):
        try:
            barrier.wait()
            for attempt in range(ATTEMPTS):
                etag = client.get(path)["ETag"]
                summary = f"writer {n}, attempt {attempt}"
                response = client.patch(
                    path, {"summary": summary}, format="json", HTTP_IF_MATCH=etag
                )
                version = response.json().get("version") if response.status_code == 200 else None
                with lock:
                    results.append((response.status_code, summary, version))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n, c)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = {status for status, _, _ in results}
    accepted = sorted((v, s) for status, s, v in results if status == 200)
    position.refresh_from_db()
    updates = list(
        Position.pgh_event_model.objects.filter(
            pgh_obj_id=position.pk, pgh_label="update", pgh_id__gt=before
        )
        .order_by("pgh_id")
        .values_list("version", "summary")
    )

    assert len(results) == WRITERS * ATTEMPTS
    assert statuses <= {200, 412}
    assert accepted, "at least one write must win"
    # Every accepted write is in the history, in order, and nothing else is.
    assert updates == accepted
    # The final state is the last accepted write; versions count exactly the accepted ones.
    assert (position.version, position.summary) == accepted[-1]
    assert position.version == 1 + len(accepted)
