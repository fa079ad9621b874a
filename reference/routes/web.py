"""The operations viewer's route table.

Runs of every type have one home, /admin/operations. No per-type run page exists, so any
other run URL finds no route and answers 404.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.db import MAX_ID
from app.web import views
from app.web.templates import STATIC

__all__ = ["routes"]


class RecordIdConvertor(Convertor[int]):
    """A positive number as long as MAX_ID; a longer one matches no route, a larger one finds no record."""

    regex = f"[1-9][0-9]{{0,{len(str(MAX_ID)) - 1}}}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("record_id", RecordIdConvertor())

routes = [
    Route("/", views.home, methods=["GET"], name="home"),
    Route("/login", views.login_form, methods=["GET"], name="login"),
    Route("/login", views.login, methods=["POST"], name="login.submit"),
    Route("/logout", views.logout, methods=["POST"], name="logout"),
    Route("/admin/operations", views.operations_index, methods=["GET"], name="operations.index"),
    Route("/admin/operations/{id:record_id}", views.operation_show, methods=["GET"], name="operations.show"),
    Route("/admin/t/{tenant:record_id}/operations", views.tenant_operations, methods=["GET"], name="operations.tenant"),
    Route("/admin/findings", views.findings_index, methods=["GET"], name="findings.index"),
    Route("/admin/inventory-items", views.inventory_items_index, methods=["GET"], name="inventory_items.index"),
    Route("/admin/findings/{id:record_id}", views.finding_show, methods=["GET"], name="findings.show"),
    Route(
        "/admin/inventory-items/{id:record_id}",
        views.inventory_item_show,
        methods=["GET"],
        name="inventory_items.show",
    ),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]
