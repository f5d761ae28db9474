"""Rules of the optical network's elements: splitters, connectors, fusions and cables.

Splitters take ratio, balance, losses and service flag from their type; ports are sold
through properties, so wiring patches may never touch a port holding a client's drop.
Connectors and fusions hold one fibre in and one out. Cables own their fibres and measure
their path; drops to properties are built by the property lifecycle, never through /cables.
"""
from __future__ import annotations

from ...core.errors import Invalid, RuleViolation
from ...core.rules import Rules
from ...core.world import ALL_ACCESS
from ..catalogue import BOX_LIKE
from ..cables import add_fibers, base_point, link, loose_end, measure, normalise_poles, remove_cable
from ..optics import splitter_report
from ..wiring import check_wiring, drop_owner, held_fibers, mirror, unplug_element
from .inventory import Named


class Splitters(Named):
    """Splitters take ratio, balance, losses and service flag from their type; ports are sold
    through properties, so wiring patches may never touch a port holding a client's drop."""

    type_field = "splitterType"
    DERIVED = ("ratio", "isBalanced", "currentPower", "installPower", "olt", "slot", "pon")

    def prepare_create(self, world, resource, body, access):
        for key in self.DERIVED:
            body.pop(key, None)
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        stype = world.check_ref("splitterType", body.get("splitterType"), ("splitter-types",), None)
        super().prepare_create(world, resource, body, access)
        body["project"] = parent.get("project")
        body.setdefault("isDrop", bool(stype.get("isDrop")))
        n_in, n_out = _ratio(stype)
        body.update(self._typed(stype, body.get("attenuation")),
                    ports=merge_ports(world, _fresh_ports(world, n_out), body.get("ports")))
        body["connectables"] = (check_wiring(world, body["connectables"], (n_in, n_out),
                                             body["project"], parent=body["parent"])
                                if body.get("connectables") is not None
                                else {"input": [None] * n_in, "output": [None] * n_out})

    def after_create(self, world, resource, doc):
        mirror(world, doc["id"], [], held_fibers("splitters", doc))

    def prepare_update(self, world, resource, doc, patch):
        for key in self.DERIVED:
            patch.pop(key, None)
        given_ports, given_wiring = patch.pop("ports", None), patch.pop("connectables", None)
        clients = self.client_ports(world, doc)
        if patch.get("parent", doc["parent"]) != doc["parent"] and clients:
            raise self.in_use(doc, clients, "move it to another box")
        if "isDrop" in patch and not patch["isDrop"] and clients:
            raise self.in_use(doc, clients, "make it a network splitter")
        wiring, ports = doc["connectables"], doc["ports"]
        if patch.get("splitterType", doc["splitterType"]) != doc["splitterType"]:
            stype = world.check_ref("splitterType", patch["splitterType"], ("splitter-types",), None)
            n_in, n_out = _ratio(stype)
            if any(f for side, n in (("input", n_in), ("output", n_out)) for f in wiring[side][n:]):
                raise RuleViolation(f"splitter {_label(doc)} has fibers on ports its new type "
                                    f"({n_in}x{n_out}) lacks", "SPLITTER_IN_USE", "splitterType")
            wiring = {"input": (wiring["input"] + [None] * n_in)[:n_in],
                      "output": (wiring["output"] + [None] * n_out)[:n_out]}
            ports = [{**p, "index": i}
                     for i, p in enumerate((ports + _fresh_ports(world, n_out))[:n_out])]
            patch.update(self._typed(stype, patch.get("attenuation")), connectables=wiring,
                         ports=ports)
        elif "attenuation" in patch:
            patch["attenuation"] = _losses(patch["attenuation"], len(wiring["output"]))
        if given_ports is not None:
            patch["ports"] = merge_ports(world, ports, given_ports)
        if given_wiring is not None:
            new = check_wiring(world, given_wiring, (len(wiring["input"]), len(wiring["output"])),
                               doc["project"], "splitters", doc, doc["parent"])
            for port, owner in clients.items():
                if new["output"][port - 1] != wiring["output"][port - 1]:
                    raise RuleViolation(
                        f"port {port} of splitter {_label(doc)} holds the drop of property "
                        f"{owner}; disconnect the property first (PATCH /properties/{owner} "
                        "{\"connector\": null})", "PORT_OCCUPIED", f"connectables.output[{port - 1}]")
            patch["connectables"] = new

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers("splitters", before), held_fibers("splitters", doc))

    def before_delete(self, world, resource, doc):
        used = [i + 1 for i, f in enumerate(doc["connectables"]["output"]) if f]
        if used:
            raise RuleViolation(f"splitter {_label(doc)} still has fibers on output ports {used}; "
                                "free them first", "SPLITTER_IN_USE")
        self.refuse_if_referenced(world, resource, doc)

    def after_delete(self, world, resource, doc):
        unplug_element(world, "splitters", doc)

    def computed(self, world, doc):
        return splitter_report(world, doc)

    @staticmethod
    def client_ports(world, doc: dict) -> dict[int, str]:
        """{1-based port: property id} of the ports holding a client's drop."""
        out = {}
        for i, fiber_id in enumerate(doc["connectables"]["output"]):
            owner = drop_owner(world, fiber_id) if fiber_id else None
            if owner:
                out[i + 1] = owner["id"]
        return out

    @staticmethod
    def in_use(doc, clients: dict, action: str) -> RuleViolation:
        return RuleViolation(f"splitter {_label(doc)} serves properties on ports "
                             f"{sorted(clients)}; disconnect them before you {action}",
                             "SPLITTER_IN_USE")

    @staticmethod
    def _typed(stype: dict, attenuation) -> dict:
        """ratio, isBalanced and attenuation from the type (``attenuation`` given wins)."""
        n_in, n_out = _ratio(stype)
        losses = stype.get("attenuation") or [0.0]
        return {"ratio": {"input": n_in, "output": n_out},
                "isBalanced": stype.get("isBalanced", True),
                "attenuation": _losses(attenuation if attenuation is not None else
                                       (losses + [losses[-1]] * n_out)[:n_out], n_out)}


def _label(doc: dict) -> str:
    return f"{doc.get('name') or ''} ({doc['id']})".strip()


def _ratio(stype: dict) -> tuple[int, int]:
    ratio = stype.get("ratio") or {}
    n_in, n_out = ratio.get("input"), ratio.get("output")
    if not all(isinstance(n, int) and n >= 1 for n in (n_in, n_out)):
        raise RuleViolation(f"splitter type {stype['id']} has no valid ratio {ratio!r}",
                            "INVALID_SPLITTER_TYPE", "splitterType")
    return n_in, n_out


def _losses(value, n_out: int) -> list:
    if (not isinstance(value, list) or len(value) != n_out
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
        raise Invalid(f"'attenuation' must list one loss in dB per output ({n_out})",
                      "INVALID_FIELD", "attenuation")
    return list(value)


def _fresh_ports(world, n: int) -> list[dict]:
    return [{"id": world.new_id(), "index": i, "blocked": False, "tags": [], "observation": None}
            for i in range(n)]


def merge_ports(world, ports: list[dict], given) -> list[dict]:
    """Lay per-port settings over ``ports``; an item's ``index`` (else its position) picks the port."""
    if given is None:
        return ports
    if not isinstance(given, list):
        raise Invalid("'ports' must be an array", "INVALID_FIELD", "ports")
    ports = [dict(p) for p in ports]
    for k, item in enumerate(given):
        where = f"ports[{k}]"
        if not isinstance(item, dict):
            raise Invalid(f"'{where}' must be an object", "INVALID_FIELD", where)
        i = item.get("index", k)
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(ports):
            raise Invalid(f"'{where}.index' must be a port position 0..{len(ports) - 1}",
                          "INVALID_FIELD", f"{where}.index")
        if "blocked" in item:
            if not isinstance(item["blocked"], bool):
                raise Invalid(f"'{where}.blocked' must be a boolean", "INVALID_FIELD",
                              f"{where}.blocked")
            ports[i]["blocked"] = item["blocked"]
        if "observation" in item:
            ports[i]["observation"] = item["observation"]
        if "tags" in item:
            tags = [t.get("id") if isinstance(t, dict) else t for t in item["tags"] or ()]
            for j, tag in enumerate(tags):
                world.check_ref(f"{where}.tags[{j}]", tag, ("tags",), None)
            ports[i]["tags"] = tags
    return ports


class Wired(Named):
    """Elements inside a box that hold fibres and cords in ``connectables``, of the ``shape``
    their kind (and type) gives: (inputs, outputs), or a number of positions. Connectors and
    fusions: one fibre in, one out; their type's ``loss`` enters the budget."""

    def shape(self, world, values: dict):
        return 1, 1

    def prepare_create(self, world, resource, body, access):
        super().prepare_create(world, resource, body, access)
        parent = world.check_ref("parent", body.get("parent"), resource.refs["parent"], None)
        body.setdefault("project", parent.get("project"))
        sizes = self.shape(world, body)
        body["connectables"] = (check_wiring(world, body["connectables"], sizes, body["project"],
                                             parent=body["parent"])
                                if body.get("connectables") is not None else empty_wiring(sizes))

    def after_create(self, world, resource, doc):
        mirror(world, doc["id"], [], held_fibers(resource.route, doc))

    def prepare_update(self, world, resource, doc, patch):
        if "connectables" in patch:
            patch["connectables"] = check_wiring(world, patch["connectables"],
                                                 self.shape(world, {**doc, **patch}),
                                                 doc["project"], resource.route, doc, doc["parent"])

    def after_update(self, world, resource, doc, before):
        mirror(world, doc["id"], held_fibers(resource.route, before),
               held_fibers(resource.route, doc))

    def after_delete(self, world, resource, doc):
        unplug_element(world, resource.route, doc)


def empty_wiring(sizes):
    """Free ``connectables`` of a shape: (inputs, outputs) sides, or a number of positions."""
    if isinstance(sizes, tuple):
        return {"input": [None] * sizes[0], "output": [None] * sizes[1]}
    return [None] * sizes


class Connectors(Wired):
    type_field = "connectorType"


class Fusions(Wired):
    type_field = "fusionType"


class Cables(Rules):
    """Cables own their fibres, measure their path and are listed on the boxes they touch.
    A path item sent as ``{lat, lng}`` becomes a new point; an end sent as an object is a new
    box, created at the path's point on that side; an end left ``null`` on a cable with a path
    is a loose end, a cable stub on that point (``cables.loose_end``). Drops to properties are
    built by the property lifecycle, never through /cables."""

    MEASURED = ("kind", "fiberNumber", "looseNumber", "length", "ground_length",
                "altitude_length", "loss")

    def prepare_create(self, world, resource, body, access):
        for key in self.MEASURED:
            body.pop(key, None)
        ctype = world.check_ref("cableType", body.get("cableType"), ("cable-types",), None)
        body["poles"] = normalise_poles(world, body.get("poles") or [])
        if not body.get("project"):
            body["project"] = next((doc.get("project") for doc in (
                world.lookup(BOX_LIKE, body[end])[1] for end in ("boxA", "boxB")
                if isinstance(body.get(end), str)) if doc), None)
        ends = [self._place(world, body, end, body.get("project"), body["poles"], access)
                for end in ("boxA", "boxB")]
        project = world.docs["projects"].get(body.get("project")) or {}
        drop_type = ((project.get("drop") or {}).get("type") or {}).get("cableType")
        body.update(kind="Drop" if ctype.get("isDrop") or ctype["id"] == drop_type else "Cable",
                    fiberNumber=ctype.get("fiberNumber") or 1,
                    looseNumber=ctype.get("looseNumber") or 1,
                    **measure(world, ends[0], body["poles"], ends[1], ctype))

    def after_create(self, world, resource, doc):
        add_fibers(world, doc)
        for end in ("boxA", "boxB"):
            link(world, doc[end], doc["id"], True)

    def prepare_update(self, world, resource, doc, patch):
        for key in self.MEASURED:
            patch.pop(key, None)
        moved = [end for end in ("boxA", "boxB") if end in patch and patch[end] != doc[end]]
        owner = world.ids_where("properties", "drop", doc["id"])
        if moved and owner:
            raise RuleViolation(f"cable {doc['id']} is the drop of property {min(owner)}; move "
                                "the property instead", "DROP_MANAGED_BY_PROPERTY", moved[0])
        ctype = world.check_ref("cableType", patch.get("cableType", doc["cableType"]),
                                ("cable-types",), None)
        if "cableType" in patch and (ctype.get("fiberNumber") or 1) != doc["fiberNumber"]:
            raise RuleViolation(f"cable {doc['id']} has {doc['fiberNumber']} fibers; its type "
                                f"cannot change to one with {ctype.get('fiberNumber')}",
                                "FIBER_COUNT_MISMATCH", "cableType")
        if "poles" in patch:
            patch["poles"] = normalise_poles(world, patch["poles"] or [])
        poles = patch.get("poles", doc["poles"])
        ends = [self._place(world, patch, end, doc["project"], poles, None) if end in moved else
                world.lookup(BOX_LIKE, doc[end])[1] if doc[end] else None for end in ("boxA", "boxB")]
        if {"boxA", "boxB", "poles", "cableType"} & set(patch):
            patch.update(measure(world, ends[0], poles, ends[1], ctype))

    def after_update(self, world, resource, doc, before):
        for end in ("boxA", "boxB"):
            if doc[end] != before[end]:
                link(world, before[end], doc["id"], False)
                link(world, doc[end], doc["id"], True)

    def delete(self, world, resource, doc):
        owner = world.ids_where("properties", "drop", doc["id"])
        if owner:
            raise RuleViolation(f"cable {doc['id']} is the drop of property {min(owner)}; delete "
                                "or disconnect the property instead", "DROP_IN_USE")
        remove_cable(world, doc)

    def _place(self, world, values: dict, end: str, project, poles: list, access):
        """The document at one end: an existing base box, a new inline box, a new stub on a
        loose end (``values[end]`` is set to its id), or None."""
        value = values.get(end)
        if isinstance(value, dict):
            if not poles:
                raise RuleViolation(f"'{end}' is a new box, which needs a path point to stand "
                                    "on: send 'poles'", "INLINE_BOX_NEEDS_POSITION", end)
            point = base_point(world, poles[0 if end == "boxA" else -1]["id"])
            values[end] = world.create("boxes", {**value, "project": project,
                                                 "coords": list(point["coords"]),
                                                 "pole": point["id"]}, access or ALL_ACCESS)["id"]
        elif value is None and project:
            values[end] = loose_end(world, project, poles, end)
        return self._end(world, values, end)

    @staticmethod
    def _end(world, values: dict, end: str) -> dict | None:
        if values.get(end) is None:
            return None
        doc = world.check_ref(end, values[end], BOX_LIKE, None)
        if doc["kind"] == "Property":
            raise RuleViolation(f"'{end}' is property {doc['id']}: drops to properties are built "
                                "by POST/PATCH /properties", "DROP_MANAGED_BY_PROPERTY", end)
        return doc
