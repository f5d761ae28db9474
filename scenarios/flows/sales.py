"""Consultative sales, chatbot/IVR and CRM — the Integrator's Guide features they share.

Technical feasibility, port reservation, port-reservation cancellation, client implantation,
prospect creation when there is no feasibility, and the tag query (is this caller's box or
premises tagged with a mass-outage tag?).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from ..client import Document, OZmapClient
from . import erp
from .common import FlowError, Removal, Reservation, customer_from, ids_filter, property_of, \
    ref_id

DEFAULT_OUTAGE_TAG = "Falha massiva"

feasibility = erp.feasibility
reserve_port = erp.reserve_port
implant = erp.deploy_customer


def cancel_reservation(api: OZmapClient, code: str) -> Removal:
    """Port reservation cancellation (the installation request was cancelled).

    Refuses to remove an implanted customer: that is a contract cancellation, not this flow.
    """
    current = customer_from(property_of(api, code))
    if current.implanted:
        raise FlowError("ACTIVE_CUSTOMER", f"customer {code} is implanted; not a reservation",
                        code=code)
    return erp.remove_customer(api, code)


# ---- prospects -------------------------------------------------------------------------------
@dataclass
class Prospect:
    id: str
    name: str | None
    code: str | None
    viable: bool | None
    lat: float | None
    lng: float | None


def create_prospect(api: OZmapClient, name: str, *, lat: float | None = None,
                    lng: float | None = None, code: str | None = None,
                    phone: str | None = None, address: str | None = None,
                    observation: str | None = None, viable: bool = False) -> Prospect:
    """Prospect creation: a lead who asked for service where there is no feasibility."""
    body: dict[str, Any] = {"name": name, "code": code, "phone": phone, "address": address,
                            "observation": observation, "viable": viable, "tags": []}
    if lat is not None and lng is not None:
        body["coords"] = [float(lng), float(lat)]
    doc = api.create("prospects", {k: v for k, v in body.items() if v is not None})
    coords = doc.get("coords") or [None, None]
    return Prospect(id=str(doc["id"]), name=doc.get("name"), code=doc.get("code"),
                    viable=doc.get("viable"), lat=coords[1], lng=coords[0])


@dataclass
class Sale:
    code: str
    viable: bool
    reservation: Reservation | None
    prospect: Prospect | None
    options: int


def sell(api: OZmapClient, code: str, name: str, lat: float, lng: float, *,
         phone: str | None = None, address: str | None = None, radius: float | None = None,
         mode: Literal["radius", "pole"] = "radius") -> Sale:
    """What a chatbot or salesperson does: feasibility; reserve the nearest port when viable,
    otherwise record a prospect."""
    result = erp.feasibility(api, lat, lng, radius, mode)
    if result.best is None:
        prospect = create_prospect(api, name, lat=lat, lng=lng, code=code, phone=phone,
                                   address=address, viable=False,
                                   observation="sem viabilidade técnica")
        return Sale(code=code, viable=False, reservation=None, prospect=prospect, options=0)
    reservation = erp.reserve_port(api, code, box=result.best.id, lat=lat, lng=lng, name=name,
                                   address=address)
    return Sale(code=code, viable=True, reservation=reservation, prospect=None,
                options=len(result.options))


# ---- tags: mass outage -----------------------------------------------------------------------
@dataclass
class TaggedElement:
    resource: str
    id: str
    tags: list[str]


@dataclass
class OutageCheck:
    code: str
    tag: str
    outage: bool
    tagged: list[TaggedElement] = field(default_factory=list)
    message: str = ""


def _tag_names(api: OZmapClient, ids: Sequence[Any]) -> dict[str, str]:
    clean = sorted({str(ref_id(i)) for i in ids if ref_id(i)})
    if not clean:
        return {}
    return {str(t["id"]): str(t.get("name")) for t in api.find_all("tags", ids_filter("id", clean))}


def check_outage(api: OZmapClient, code: str, tag: str = DEFAULT_OUTAGE_TAG) -> OutageCheck:
    """Tag query for an IVR: is the caller's box, splitter port, premises or client tagged
    with the mass-outage tag?"""
    prop = property_of(api, code)
    elements: list[tuple[str, str, list[Any]]] = []
    cli = prop.get("client") or {}
    elements.append(("properties", str(prop["id"]), list(prop.get("tags") or [])))
    if isinstance(cli, dict):
        elements.append(("ftth-clients", str(ref_id(cli)), list(cli.get("tags") or [])))
    box_id = ref_id(prop.get("box"))
    if box_id:
        for route in ("boxes", "buildings"):
            box = api.get(route, box_id)
            if box:
                elements.append((route, box_id, list(box.get("tags") or [])))
                break
    for conn in prop.get("connections") or []:
        splitter_id = ref_id(conn.get("id")) if conn else None
        if splitter_id and conn.get("port"):
            splitter = api.get("splitters", splitter_id)
            ports = (splitter or {}).get("ports") or []
            index = int(conn["port"]) - 1
            if 0 <= index < len(ports) and ports[index]:
                elements.append(("splitters", splitter_id, list(ports[index].get("tags") or [])))
    names = _tag_names(api, [t for _, _, tags in elements for t in tags])
    wanted = tag.strip().lower()
    tagged = []
    for resource, element, tags in elements:
        labels = [names.get(str(ref_id(t)), str(ref_id(t))) for t in tags]
        if any(label.strip().lower() == wanted for label in labels):
            tagged.append(TaggedElement(resource=resource, id=element, tags=labels))
    outage = bool(tagged)
    message = ("Identificamos uma falha massiva na sua região; a equipe técnica já está "
               "trabalhando na solução." if outage else "Nenhuma falha massiva na sua região.")
    return OutageCheck(code=code, tag=tag, outage=outage, tagged=tagged, message=message)


ALL_TAG_TYPES = ["box", "property", "client", "building", "splitter.ports"]


def ensure_tag(api: OZmapClient, name: str, allowed_types: Sequence[str] = ALL_TAG_TYPES
               ) -> Document:
    """The tag called ``name``, created when missing."""
    rows = api.find("tags", [{"property": "name", "operator": "=", "value": name}], limit=1).rows
    if rows:
        return rows[0]
    return api.create("tags", {"name": name, "allowedTypes": list(allowed_types)})


@dataclass
class Outage:
    tag: str
    boxes: list[str]


def declare_outage(api: OZmapClient, boxes: Sequence[str], tag: str = DEFAULT_OUTAGE_TAG
                   ) -> Outage:
    """The NOC's side of the tag query: tag the affected boxes with the outage tag."""
    tag_doc = ensure_tag(api, tag)
    for box_id in boxes:
        box = api.get("boxes", box_id)
        if box is None:
            raise FlowError("NOT_FOUND", f"no box {box_id}")
        tags = [str(ref_id(t)) for t in box.get("tags") or []]
        if str(tag_doc["id"]) not in tags:
            api.update("boxes", box_id, {"tags": tags + [str(tag_doc["id"])]})
    return Outage(tag=str(tag_doc["id"]), boxes=list(boxes))


def clear_outage(api: OZmapClient, boxes: Sequence[str], tag: str = DEFAULT_OUTAGE_TAG
                 ) -> Outage:
    """Remove the outage tag from the boxes (the outage is over)."""
    tag_doc = ensure_tag(api, tag)
    for box_id in boxes:
        box = api.get("boxes", box_id)
        if box is None:
            continue
        tags = [str(ref_id(t)) for t in box.get("tags") or []]
        if str(tag_doc["id"]) in tags:
            api.update("boxes", box_id, {"tags": [t for t in tags if t != str(tag_doc["id"])]})
    return Outage(tag=str(tag_doc["id"]), boxes=list(boxes))


__all__ = ["feasibility", "reserve_port", "implant", "cancel_reservation", "Prospect",
           "create_prospect", "Sale", "sell", "OutageCheck", "TaggedElement", "check_outage",
           "ensure_tag", "declare_outage", "clear_outage", "Outage", "DEFAULT_OUTAGE_TAG"]
