"""Change requests (docs/box-internals.md): a box structure proposed for a box or building,
or a new box proposed with its structure, waiting for a review.

A request is made ``pending``, with a ``code`` (``CR-000001``, per tenant), its creator and
the project of what it is about; while pending, its description, observation, structure
and actions may change. A review settles it once: *approved* applies it — the structure to
its box (``structure.apply``), or a new box from ``boxData`` (with the approval's overrides)
and then its structure — in one atomic step; *rejected* records why (an ``observation`` is
required). Either way ``review`` says by whom and when; a settled request is final (422).
"""
from __future__ import annotations

from ..core.errors import Invalid, RuleViolation
from ..core.world import ALL_ACCESS, locked
from . import structure

ROUTES = ("change-requests/box-structures", "box-create-requests")
ELEMENTS = {"box": "boxes", "building": "buildings"}


def next_code(world) -> str:
    made = sum(len(world.docs[r]) + len(world.tombstones[r]) for r in ROUTES)
    return f"CR-{made + 1:06d}"


def pending(doc: dict) -> None:
    if doc.get("status") != "pending":
        raise RuleViolation(f"change request {doc.get('code')} ({doc['id']}) was already "
                            f"{doc.get('status')}", "CHANGE_REQUEST_REVIEWED", "status")


def _settle(world, route: str, doc: dict, status: str, observation, **changes) -> dict:
    user = world.user or {}
    world.set_fields(route, doc, {
        "status": status, "observation": observation if observation is not None else
        doc.get("observation"), **changes,
        "review": {"by": {"id": user.get("id"), "name": user.get("name"),
                          "username": user.get("username")}, "at": world.clock.now_iso()}})
    return world.render(route, doc)


@locked
def review(world, request_id, body: dict, access=ALL_ACCESS) -> dict:
    """``PATCH /change-requests/box-structures/{id}/review``: approve (apply the structure to
    its box) or reject (an observation says why)."""
    route = ROUTES[0]
    doc = world.get(route, request_id, access)
    pending(doc)
    if body.get("elementId") != doc["element"]["id"]:
        raise RuleViolation(f"'elementId' {body.get('elementId')} is not the element of change "
                            f"request {doc['code']} ({doc['element']['id']})",
                            "CHANGE_REQUEST_ELEMENT_MISMATCH", "elementId")
    if body.get("kind") != doc["kind"]:
        raise RuleViolation(f"'kind' {body.get('kind')!r} is not the kind of change request "
                            f"{doc['code']} ({doc['kind']!r})", "CHANGE_REQUEST_KIND_MISMATCH",
                            "kind")
    if body.get("status") == "rejected":
        return _rejected(world, route, doc, body)
    box_route = ELEMENTS[doc["element"]["kind"]]
    box = world.get(box_route, doc["element"]["id"], access)
    structure.apply(world, box_route, box, doc.get("structure") or {}, access)
    return _settle(world, route, doc, "approved", body.get("observation"))


def _rejected(world, route: str, doc: dict, body: dict) -> dict:
    observation = body.get("observation")
    if not isinstance(observation, str) or not observation.strip():
        raise Invalid("a rejection needs an 'observation' saying why", "MISSING_FIELD",
                      "observation")
    return _settle(world, route, doc, "rejected", observation)


@locked
def approve(world, request_id, body: dict, access=ALL_ACCESS) -> dict:
    """``POST /box-create-requests/{id}/approve``: the box of ``boxData`` (laid over by the
    approval's ``boxData``) is created, then the request's structure applied to it."""
    route = ROUTES[1]
    doc = world.get(route, request_id, access)
    pending(doc)
    overrides = body.get("boxData") or {}
    data = {**doc["boxData"], **overrides}
    if data.get("hierarchyLevel") is None:
        kind = world.docs["box-types"].get(data.get("boxType")) or {}
        data["hierarchyLevel"] = kind.get("default_level") or 3
    data.setdefault("implanted", False)
    box = world.create("boxes", data, access)
    if doc.get("structure"):
        structure.apply(world, "boxes", box, doc["structure"], access)
    return _settle(world, route, doc, "approved", body.get("observation"),
                   element={"id": box["id"], "kind": "box"})


@locked
def reject(world, request_id, body: dict, access=ALL_ACCESS) -> dict:
    """``POST /box-create-requests/{id}/reject``: no box; the observation says why."""
    route = ROUTES[1]
    doc = world.get(route, request_id, access)
    pending(doc)
    return _rejected(world, route, doc, body)
