"""Rules of properties and FTTH clients: POST reserves a port, PATCH moves, attaches and
detaches, DELETE cancels — composed from the lifecycle steps of ``ftth.properties``."""
from __future__ import annotations

from ...core.errors import Forbidden, Invalid, RuleViolation
from ...core.query import MISSING
from ...core.rules import SERVER_FIELDS, Rules, positioned
from ..catalogue import RESOURCES
from ..optics import calculated_power
from ..properties import (FORCEABLE, SERVER_OWNED, attach, cancel, check_fields, client_plan,
                          client_status, connect, detach, disconnect, holder, instructions, plan,
                          service_splitter, store_client)
from ..wiring import connection


class Properties(Rules):
    """POST reserves a port (client + property + drop), PATCH moves/attaches/detaches, DELETE
    cancels. The instructions ``connector``, ``port``, ``auto_connect``, ``force`` and
    ``drop_poles`` steer the connection and are never stored."""

    def create(self, world, resource, body, access):
        body = {k: v for k, v in positioned(resource, body).items()
                if k not in SERVER_FIELDS and k not in SERVER_OWNED}
        ins = instructions(body)
        client_value = body.pop("client", None)
        check_fields(body)
        splitter = service_splitter(world, ins["connector"], access) if ins.get("connector") else None
        route, box = holder(world, body.get("box"), splitter)
        body["project"] = body.get("project") or (box or {}).get("project")
        if not body["project"]:
            raise RuleViolation("a property needs 'project', 'box' or 'connector'",
                                "PROJECT_REQUIRED", "project")
        if not access.allows(body):
            raise Forbidden(f"project {body['project']} is outside this key's projects",
                            "PROJECT_FORBIDDEN", "project")
        if splitter is not None and splitter.get("project") != body["project"]:
            raise RuleViolation(f"'connector' references splitter {splitter['id']}, which belongs "
                                f"to project {splitter.get('project')}, not {body['project']}",
                                "CROSS_PROJECT_REFERENCE", "connector")
        if box is not None:
            body["box"] = box["id"]
            body["parent"] = {"id": box["id"]} if route == "buildings" else None
            if body.get("coords") is None:
                body["coords"] = list(box["coords"]) if box.get("coords") else None
        world.check_refs(resource, body, body["project"])
        self.check_external_id(world, resource, body)
        client = client_plan(world, client_value)
        force = ins.get("force", False)
        try:
            target = plan(world, body, ins, route, box, splitter, force=force,
                           cause=next((f for f in ("drop_poles", "pole") if body.get(f) or
                                       ins.get(f)), "box"))
        except RuleViolation as exc:
            if not (force and exc.code in FORCEABLE):
                raise
            target = None
        doc = {**resource.fresh_defaults(), **body}
        world.insert("properties", doc)
        if client:
            attach(world, doc, store_client(world, client))
        if target:
            connect(world, doc, target)
        return doc

    def update(self, world, resource, doc, patch, access):
        patch = {k: v for k, v in positioned(resource, patch).items() if k not in SERVER_FIELDS
                 and k not in SERVER_OWNED and k not in resource.immutable}
        ins = instructions(patch)
        client_value = patch.pop("client", MISSING)
        check_fields(patch)
        current = connection(world, doc)
        # what the patch asks of the connection: None (keep it), "disconnect" or "connect"
        splitter, wants = None, None
        if "connector" in ins:
            wants = "connect" if ins["connector"] else "disconnect"
            splitter = service_splitter(world, ins["connector"], access) if ins["connector"] else None
        elif "port" in ins:
            if current is None:
                raise RuleViolation(f"property {doc['id']} is not connected: 'port' alone moves "
                                    "a connection; send 'connector' with it",
                                    "PROPERTY_NOT_CONNECTED", "connector")
            wants, splitter = "connect", world.docs["splitters"][current["id"]]
        route, box = holder(world, patch["box"] if "box" in patch else
                             None if splitter else doc["box"], splitter)
        if box is not None or "box" in patch:
            patch["box"] = box and box["id"]
            patch["parent"] = {"id": box["id"]} if route == "buildings" else None
        world.check_refs(resource, patch, doc["project"])
        self.check_external_id(world, resource, patch, doc["id"])
        client = None
        if client_value not in (MISSING, None) and client_value != doc.get("client"):
            client = client_plan(world, client_value)
        after = {**doc, **patch}
        moved = box is not None and box["id"] != doc["box"]
        if wants is None:
            if box is None:
                wants = "disconnect" if current else None
            elif (moved and current) or (ins.get("auto_connect") and (moved or not current)):
                wants = "connect"
        if (wants == "connect" and current and splitter and splitter["id"] == current["id"]
                and ins.get("port") == current["port"]) or (wants is None and current):
            wants = None                     # same port: rebuild the drop only if its route moved
            if "drop_poles" in ins or any(k in patch and patch[k] != doc.get(k)
                                          for k in ("coords", "pole")):
                wants, splitter = "connect", world.docs["splitters"][current["id"]]
                ins = {**ins, "port": current["port"]}
        target = None
        if wants == "connect":
            changed = {"box"} if moved else {k for k in ("pole", "coords")
                                             if k in patch and patch[k] != doc.get(k)}
            target = plan(world, after, {**ins, "auto_connect": True}, route, box, splitter,
                           current and current["fiber"], ins.get("force", False),
                           cause=next((f for f in ("drop_poles", "box", "pole", "coords")
                                       if f in ins or f in changed), "box"))
        # ---- writes
        world.set_fields("properties", doc, patch)
        if wants:
            disconnect(world, doc)
        if target:
            connect(world, doc, target)
        if doc.get("client") and (client_value is None or client):
            detach(world, doc)
        if client:
            attach(world, doc, store_client(world, client))

    def delete(self, world, resource, doc):
        cancel(world, doc)

    def computed(self, world, doc: dict) -> dict:
        """The read-only fields derived from the drop: ``connections``, ``cables`` and
        ``potencyCalculated`` (filters and sorts see them too)."""
        current = connection(world, doc)
        return {"connections": [current] if current else [],
                "cables": [doc["drop"]] if doc.get("drop") else [],
                "potencyCalculated": calculated_power(world, doc, current)}


class FtthClients(Rules):
    """Clients: ``status`` normalised to 0/1, a non-empty ``code`` unique per tenant; deleting
    a placed client cancels its property (docs/decisions.md)."""

    def validated(self, world, body) -> dict:
        """A complete client document from a create body, every rule checked; not stored."""
        if not isinstance(body, dict):
            raise Invalid("a client must be an object", "INVALID_FIELD", "client")
        resource = RESOURCES["ftth-clients"]
        body = {k: v for k, v in body.items() if k not in SERVER_FIELDS}
        defaults = resource.fresh_defaults()
        self.prepare_update(world, resource, {"id": None, "onu": defaults["onu"]}, body)
        world.check_refs(resource, body, None)
        self.check_external_id(world, resource, body)
        return {**defaults, **body}

    def create(self, world, resource, body, access):
        return world.insert("ftth-clients", self.validated(world, body))

    def prepare_update(self, world, resource, doc, patch):
        if "status" in patch:
            patch["status"] = client_status(patch["status"])
        if isinstance(patch.get("onu"), dict):                  # a partial ONU is merged
            patch["onu"] = {**(doc.get("onu") or {}), **patch["onu"]}
        code = patch.get("code")
        if code not in (None, "") and not isinstance(code, (dict, list)):
            holders = world.ids_where("ftth-clients", "code", code) - {doc["id"]}
            if holders:
                raise RuleViolation(f"client code {code!r} is already used by client "
                                    f"{min(holders)}", "DUPLICATE_CLIENT_CODE", "code")

    def delete(self, world, resource, doc):
        for prop in world.docs_where("properties", "client", doc["id"]):
            cancel(world, prop)
        if doc["id"] in world.docs["ftth-clients"]:
            world.remove("ftth-clients", doc["id"])
