"""Attach the user and the door (admin, api, web) to every change a request makes."""

from pghistory.middleware import HistoryMiddleware


def door_for_path(path: str) -> str:
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api"
    return "web"


class AuditContextMiddleware(HistoryMiddleware):
    def get_context(self, request):
        return {**super().get_context(request), "door": door_for_path(request.path)}
