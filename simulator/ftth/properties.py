"""Properties and FTTH clients: the steps of reservation, activation, moves and
cancellation (docs/ftth-model.md, "Properties and clients"), the batch updates and the
lookups by client code.

A property occupies a service-splitter port through its drop: a ``kind: "Drop"`` cable from the
box to the property whose fibre sits in the splitter's ``connectables.output[port-1]``. The
rules of ``ftth.rules.clients`` compose these steps so that every operation checks all of
its rules before its first write: a refused request leaves nothing behind, and as every
operation runs under the world lock, no port is ever sold twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core import geo
from ..core.errors import Forbidden, Invalid, NotFound, RuleViolation
from ..core.query import parse_filter
from ..core.world import ALL_ACCESS, check_object_id, locked
from .cables import measure, new_cable, normalise_poles, pole_path, remove_cable
from .catalogue import HOLDERS, RESOURCES, WIRED
from .optics import calculated_power, equipment, fiber_feed
from .ports import is_service
from .wiring import connection, drop_owner, plug

INSTRUCTIONS = ("connector", "port", "auto_connect", "force", "drop_poles")
SERVER_OWNED = ("parent", "drop", "cables", "connections", "history", "potencyCalculated")
# connection failures that `force` turns into "create the property unconnected"
FORCEABLE = {"PORT_OCCUPIED", "PORT_BLOCKED", "BOX_FULL", "BOX_IS_DRAFT", "NO_SERVICE_SPLITTER",
             "NO_ADJACENCY_PATH"}
BATCH_FIELDS = {"properties": ("potencyRead",), "ftth-clients": ("certified", "implanted", "status")}
STATUS = {0: 0, 1: 1, "OK": 0, "ERROR": 1}
DEFAULT_DROP_TYPE = {"code": "DROP 1F", "fiberNumber": 1, "looseNumber": 1, "base_loss": 0.35,
                     "description": "drop cable type created by the simulator for drops"}


@dataclass
class Target:
    """Where a property gets connected, and the drop that will reach it."""
    box_route: str
    box: dict
    splitter: dict
    port: int
    poles: list          # drop path, box → property


# ---- validation helpers -------------------------------------------------------------------

def instructions(values: dict) -> dict:
    """Pop and type-check the instructions of a property write (they are never stored)."""
    ins = {k: values.pop(k) for k in INSTRUCTIONS if k in values}
    for flag in ("auto_connect", "force"):
        if flag in ins and not isinstance(ins[flag], bool):
            raise Invalid(f"'{flag}' must be a boolean", "INVALID_FIELD", flag)
    if ins.get("connector") is not None:
        check_object_id(ins["connector"], "connector")
    if "port" in ins and (isinstance(ins["port"], bool) or not isinstance(ins["port"], int)):
        raise Invalid("'port' must be a 1-based integer output port", "INVALID_FIELD", "port")
    if "drop_poles" in ins and not isinstance(ins["drop_poles"], list):
        raise Invalid("'drop_poles' must be an array of pole ids", "INVALID_FIELD", "drop_poles")
    return ins


def check_fields(values: dict) -> None:
    """Type checks of the stored property fields a write carries."""
    if values.get("coords") is not None:
        values["coords"] = geo.validate_coords(values["coords"])
    read = values.get("potencyRead")
    if read is not None and (isinstance(read, bool) or not isinstance(read, (int, float))):
        raise Invalid("'potencyRead' must be a number (dBm) or null", "INVALID_FIELD", "potencyRead")


def client_status(value):
    if isinstance(value, bool) or value not in STATUS:
        raise Invalid(f"'status' must be 0 (OK), 1 (ERROR), \"OK\" or \"ERROR\", got {value!r}",
                      "INVALID_FIELD", "status")
    return STATUS[value]


def _label(doc: dict) -> str:
    return f"{doc.get('name') or doc['kind']} ({doc['id']})"


def service_splitter(world, splitter_id: str, access) -> dict:
    route, doc = world.lookup(WIRED, splitter_id)
    if doc is None:
        raise RuleViolation(f"'connector' references {splitter_id}, which is not an existing "
                            "splitter", "REFERENCE_NOT_FOUND", "connector")
    if not access.allows(doc):
        raise Forbidden(f"splitter {splitter_id} belongs to a project this key cannot access",
                        "PROJECT_FORBIDDEN", "connector")
    if route != "splitters" or not is_service(doc):
        raise RuleViolation(f"{_label(doc)} is not a service splitter (isDrop: true); clients "
                            "connect only to service splitters", "NOT_A_SERVICE_SPLITTER",
                            "connector")
    return doc


def holder(world, box_id, splitter: dict | None):
    """(route, doc) of the box or building serving the property (or (None, None))."""
    if splitter is not None:
        route, parent = world.lookup(HOLDERS, splitter["parent"])
        if parent is None:
            raise RuleViolation(f"splitter {_label(splitter)} is not in a box or building",
                                "CONNECTOR_NOT_IN_BOX", "connector")
        if box_id is not None and box_id != parent["id"]:
            raise RuleViolation(f"splitter {_label(splitter)} is in {_label(parent)}, not in "
                                f"box {box_id}", "CONNECTOR_NOT_IN_BOX", "connector")
        return route, parent
    if box_id is None:
        return None, None
    world.check_ref("box", box_id, HOLDERS, None)
    return world.lookup(HOLDERS, box_id)


def _check_port(splitter: dict, port: int, box: dict, world, own_fiber=None) -> None:
    outputs = splitter["connectables"]["output"]
    if not 1 <= port <= len(outputs):
        raise RuleViolation(f"port {port} is out of range: splitter {_label(splitter)} has ports "
                            f"1..{len(outputs)}", "PORT_OUT_OF_RANGE", "port")
    fiber = outputs[port - 1]
    if own_fiber is not None and fiber == own_fiber:
        return                                  # the property's own port
    if fiber is not None:
        owner = drop_owner(world, fiber)
        held = f"property {owner['id']}" if owner else f"network fiber {fiber}"
        raise RuleViolation(f"port {port} of splitter {_label(splitter)} in box {_label(box)} "
                            f"is occupied by {held}", "PORT_OCCUPIED", "port")
    if splitter["ports"][port - 1].get("blocked"):
        raise RuleViolation(f"port {port} of splitter {_label(splitter)} in box {_label(box)} "
                            "is blocked", "PORT_BLOCKED", "port")


def _first_free(world, box: dict) -> tuple[dict, int]:
    """The lowest available port of the box's service splitters, in serving order."""
    serving = world.ports.serving(box["id"])
    if not serving:
        raise RuleViolation(f"box {_label(box)} has no service splitter (isDrop: true)",
                            "NO_SERVICE_SPLITTER", "box")
    for splitter_id, _, ports in serving:
        if ports:
            return world.docs["splitters"][splitter_id], ports[0]
    raise RuleViolation(f"box {_label(box)} is full: no free, unblocked port on its "
                        f"{len(serving)} service splitter(s)", "BOX_FULL", "box")


def _drop_path(world, prop: dict, box: dict, drop_poles) -> list[dict]:
    """The drop's poles, box → property: given, routed from the property's pole, or none."""
    if drop_poles:
        return normalise_poles(world, drop_poles, "drop_poles")
    if not prop.get("pole"):
        return []
    path = pole_path(world, prop["pole"], box["pole"]) if box.get("pole") else None
    if path is None:
        where = (f"pole {box['pole']}" if box.get("pole") else "no pole")
        raise RuleViolation(f"no pole adjacency path from pole {prop['pole']} to box "
                            f"{_label(box)} (on {where})", "NO_ADJACENCY_PATH", "pole")
    return [{"id": p, "reserve": 0} for p in reversed(path)]


def _drop_type(world, project: dict) -> dict:
    """The project's drop cable type, else the tenant's first 1-fibre type (made when missing)."""
    wanted = ((project.get("drop") or {}).get("type") or {}).get("cableType")
    types = world.docs["cable-types"]
    if wanted in types:
        return types[wanted]
    found = next((t for t in types.values() if t.get("fiberNumber") == 1), None)
    return found or world.insert("cable-types", {**RESOURCES["cable-types"].fresh_defaults(),
                                                 **DEFAULT_DROP_TYPE})


def plan(world, prop: dict, ins: dict, route: str | None, box: dict | None,
          splitter: dict | None, own_fiber=None, force: bool = False,
          cause: str = "box") -> Target | None:
    """Validate a connection of ``prop`` (its would-be fields); None when it asks for none.
    ``cause``: the field a too-long drop is blamed on (what the write changed of its route)."""
    if splitter is None and not ins.get("auto_connect"):
        return None
    if box is None:
        raise Invalid("'auto_connect' needs 'box'", "MISSING_FIELD", "box")
    if box.get("draft"):
        raise RuleViolation(f"box {_label(box)} is in design (draft) and cannot serve clients",
                            "BOX_IS_DRAFT", "box")
    if splitter is not None:
        if "port" not in ins:
            raise Invalid("'connector' needs 'port' (1-based output port)", "MISSING_FIELD", "port")
        port = ins["port"]
        _check_port(splitter, port, box, world, own_fiber)
    else:
        splitter, port = _first_free(world, box)
    poles = _drop_path(world, prop, box, ins.get("drop_poles"))
    project = world.docs["projects"][prop["project"]]
    length = measure(world, box, poles, prop, {})["length"]
    limit = (project.get("drop") or {}).get("maxSize") or 200
    if length > limit and not force:
        raise RuleViolation(f"the drop from box {_label(box)} would be {length:.1f} m, over the "
                            f"project's drop.maxSize of {limit} m", "DROP_TOO_LONG", cause)
    return Target(route, box, splitter, port, poles)


def client_plan(world, value, prop_id: str | None):
    """('new', body) for a nested client, ('link', doc) for an existing id, or None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return "new", world.rules["ftth-clients"].validated(world, value)
    check_object_id(value, "client")
    client = world.check_ref("client", value, ("ftth-clients",), None)
    placed = world.ids_where("properties", "client", value) - {prop_id}
    if placed:
        raise RuleViolation(f"client {value} already sits on property {min(placed)}",
                            "CLIENT_ALREADY_PLACED", "client")
    return "link", client


# ---- writes (only after every check passed) ------------------------------------------------

def connect(world, prop: dict, target: Target) -> None:
    project = world.docs["projects"][prop["project"]]
    ctype = _drop_type(world, project)
    box, splitter, port = target.box, target.splitter, target.port
    cable = new_cable(world, {
        "project": prop["project"], "cableType": ctype["id"], "kind": "Drop",
        "hierarchyLevel": (project.get("hierarchyLevels") or {}).get("cable", {}).get("DROP", 3),
        "implanted": True, "name": f"DROP {box.get('name') or box['id']} P{port}",
        "boxA": box["id"], "boxB": prop["id"], "poles": target.poles,
        "fiberNumber": ctype.get("fiberNumber") or 1, "looseNumber": ctype.get("looseNumber") or 1,
        **measure(world, box, target.poles, prop, ctype)})
    fiber = world.docs_where("fibers", "parent", cable["id"])[0]
    plug(world, splitter, port, fiber["id"])
    world.set_fields("properties", prop, {
        "box": box["id"], "parent": {"id": box["id"]} if target.box_route == "buildings" else None,
        "drop": cable["id"]})


def disconnect(world, prop: dict) -> None:
    cable = world.docs["cables"].get(prop.get("drop"))
    if cable is not None:
        remove_cable(world, cable)
    if prop.get("drop"):
        world.set_fields("properties", prop, {"drop": None})


def attach(world, prop: dict, client: dict) -> None:
    entry = {"id": client["id"], "code": client.get("code"), "enter_date": world.clock.now_iso(),
             "exit_date": None}
    history = (prop.get("history") or {}).get("clients") or []
    world.set_fields("properties", prop, {"client": client["id"],
                                          "history": {"clients": history + [entry]}})


def detach(world, prop: dict) -> None:
    now, client_id = world.clock.now_iso(), prop["client"]
    history = [{**e, "exit_date": now} if e["id"] == client_id and e.get("exit_date") is None
               else e for e in (prop.get("history") or {}).get("clients") or []]
    world.set_fields("properties", prop, {"client": None, "history": {"clients": history}})


def store_client(world, plan) -> dict:
    kind, value = plan
    return world.insert("ftth-clients", value) if kind == "new" else value


def cancel(world, prop: dict) -> None:
    """Delete a property with its client and drop, freeing its port."""
    disconnect(world, prop)
    if prop.get("client") in world.docs["ftth-clients"]:
        world.remove("ftth-clients", prop["client"])
    world.remove("properties", prop["id"])


# ---- integrator helpers -------------------------------------------------------------------

@locked
def batch_update(world, route: str, raw_filter, update: dict, access=ALL_ACCESS) -> int:
    """``POST /<route>/batch-update``: set the allowed fields on every match; the count updated.
    ``raw_filter``: the decoded filter array."""
    allowed = BATCH_FIELDS[route]
    filter = parse_filter(raw_filter,
                          resolve_polygon=lambda model, i: world.polygon(model, i, access))
    if not isinstance(update, dict):
        raise Invalid("'update' must be an object", "INVALID_FIELD", "update")
    if not filter:
        raise Invalid(f"batch-update of {route} needs a non-empty 'filter': without one it would "
                      f"change every element of the tenant", "MISSING_FIELD", "filter")
    if not isinstance(update, dict) or not update:
        raise Invalid("'update' must be a non-empty object", "INVALID_FIELD", "update")
    bad = sorted(set(update) - set(allowed))
    if bad:
        raise Invalid(f"batch-update of {route} may only set {', '.join(allowed)}; not "
                      f"{', '.join(bad)}", "BATCH_FIELD_NOT_ALLOWED", bad[0])
    changes = dict(update)
    if route == "properties":
        check_fields(changes)
    else:
        for flag in ("certified", "implanted"):
            if flag in changes and not isinstance(changes[flag], bool):
                raise Invalid(f"'{flag}' must be a boolean", "INVALID_FIELD", flag)
        if "status" in changes:
            changes["status"] = client_status(changes["status"])
    _, docs = world.find(route, filter, access=access)
    for doc in docs:
        world.set_fields(route, doc, changes)
    return len(docs)


def properties_by_client_code(world, code: str, access=ALL_ACCESS) -> list[dict]:
    """The properties whose client has exactly this ``code``, in creation order."""
    ids = set()
    for client_id in world.ids_where("ftth-clients", "code", code):
        ids |= world.ids_where("properties", "client", client_id)
    docs = world.docs["properties"]
    return [docs[i] for i in sorted(ids) if access.allows(docs[i])]


@locked
def client_properties(world, code: str, select=None, populate=(), access=ALL_ACCESS) -> list:
    """``GET /properties/client/{code}``: the client's properties, rendered with the client."""
    return [world.render("properties", d, select, ["client", *populate], access=access)
            for d in properties_by_client_code(world, code, access)]


def property_by_client_code(world, code: str, access=ALL_ACCESS) -> dict:
    found = properties_by_client_code(world, code, access)
    if not found:
        raise NotFound(f"no property has a client with code {code!r}", "CLIENT_CODE_NOT_FOUND")
    return found[0]


@locked
def olt_pop(world, code: str, access=ALL_ACCESS) -> dict:
    """The first property of a client code, its equipment upstream and its powers
    (``GET /properties/client/{code}/olt-pop``)."""
    prop = property_by_client_code(world, code, access)
    current = connection(world, prop)
    feed = fiber_feed(world, current["fiber"]) if current else None
    up = equipment(world, feed[0] if feed else None) or {}
    splitter = world.docs["splitters"].get(current["id"]) if current else None

    def named(doc):
        return {"id": doc["id"], "name": doc.get("name")} if doc else None

    return {"property": prop["id"], "client": prop.get("client"),
            **{k: named(up.get(k)) for k in ("pop", "olt", "slot", "pon")},
            "splitter": named(splitter), "port": current["port"] if current else None,
            "potencyCalculated": calculated_power(world, prop, current),
            "potencyRead": prop.get("potencyRead")}
