"""Random interleavings of the client lifecycle against a model of every port.

Reservations (first free port or explicit, sometimes invalid), activations, status changes,
moves between ports and boxes, detaching, disconnecting, cancellations of properties and of
clients, port blocking and PON power changes; after every step the world's invariants hold
and every port is where the model says.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ozsim.ftth import optics
from ozsim.core.errors import RuleViolation

from .fixtures import connections, tiny_world

PORTS = 8
index = st.integers(0, 10_000)
holder = st.integers(0, 2)                    # CTO-1, CTO-2, the building


class Lifecycle(RuleBasedStateMachine):
    @initialize()
    def build(self):
        net = tiny_world(ctos=2)
        self.world, self.pon = net.world, net.pon
        self.holders = [net.ctos[0], net.ctos[1], net.building]
        self.splitters = [*net.splitters, net.building_splitter]
        self.occupied = [{} for _ in self.holders]          # holder -> {port: property id}
        self.blocked = [set() for _ in self.holders]        # holder -> blocked ports
        self.props = {}                                     # id -> {"holder", "port", "client"}
        self.codes = {}                                     # live client code -> client id
        self.serial = 0

    # ---- the model ----------------------------------------------------------------------
    def free(self, h: int) -> list[int]:
        return [p for p in range(1, PORTS + 1)
                if p not in self.occupied[h] and p not in self.blocked[h]]

    def new_code(self) -> str:
        self.serial += 1
        return f"C{self.serial}"

    def expect(self, code: str | None, action):
        """Run ``action``; it must fail with ``code`` (None: succeed). Returns its result."""
        if code is None:
            return action()
        with pytest.raises(RuleViolation) as caught:
            action()
        assert caught.value.code == code, caught.value.message
        return None

    def port_error(self, h: int, port: int, own: int | None = None) -> str | None:
        if not 1 <= port <= PORTS:
            return "PORT_OUT_OF_RANGE"
        if port in self.occupied[h] and port != own:
            return "PORT_OCCUPIED"
        if port in self.blocked[h] and port != own:
            return "PORT_BLOCKED"
        return None

    def place(self, prop_id: str, h: int | None, port: int | None) -> None:
        old = self.props[prop_id]
        if old["port"] is not None:
            del self.occupied[old["holder"]][old["port"]]
        if port is not None:
            self.occupied[h][port] = prop_id
        old.update(holder=h, port=port)

    def pick(self, n: int, connected: bool | None = None, client: bool | None = None):
        ids = sorted(i for i, p in self.props.items()
                     if (connected is None or (p["port"] is not None) == connected)
                     and (client is None or (p["client"] is not None) == client))
        return ids[n % len(ids)] if ids else None

    def drop_client(self, client_id: str) -> None:
        self.codes = {c: i for c, i in self.codes.items() if i != client_id}

    # ---- reservations -------------------------------------------------------------------
    @rule(h=holder, duplicate=st.booleans())
    def reserve_first_free(self, h, duplicate):
        code = min(self.codes) if duplicate and self.codes else self.new_code()
        free = self.free(h)
        error = ("DUPLICATE_CLIENT_CODE" if code in self.codes else
                 None if free else "BOX_FULL")
        prop = self.expect(error, lambda: self.world.create("properties", {
            "box": self.holders[h]["id"], "auto_connect": True, "client": {"code": code}}))
        if prop:
            assert connections(self.world, prop)[0]["port"] == free[0]
            self.props[prop["id"]] = {"holder": None, "port": None, "client": prop["client"]}
            self.codes[code] = prop["client"]
            self.place(prop["id"], h, free[0])

    @rule(h=holder, port=st.integers(0, PORTS + 1), with_client=st.booleans())
    def reserve_port(self, h, port, with_client):
        body = {"connector": self.splitters[h]["id"], "port": port}
        code = self.new_code()
        if with_client:
            body["client"] = {"code": code}
        prop = self.expect(self.port_error(h, port), lambda: self.world.create("properties", body))
        if prop:
            self.props[prop["id"]] = {"holder": None, "port": None, "client": prop["client"]}
            if with_client:
                self.codes[code] = prop["client"]
            self.place(prop["id"], h, port)

    # ---- client changes -----------------------------------------------------------------
    @precondition(lambda self: any(p["client"] for p in self.props.values()))
    @rule(n=index, status=st.sampled_from([0, 1, "OK", "ERROR"]), implanted=st.booleans())
    def activate_or_flag(self, n, status, implanted):
        client_id = self.props[self.pick(n, client=True)]["client"]
        self.world.update("ftth-clients", client_id, {"implanted": implanted, "status": status})
        client = self.world.docs["ftth-clients"][client_id]
        expected = {"OK": 0, "ERROR": 1}.get(status, status)
        assert client["implanted"] is implanted and client["status"] == expected

    @precondition(lambda self: any(p["client"] for p in self.props.values()))
    @rule(n=index)
    def detach(self, n):
        prop_id = self.pick(n, client=True)
        self.world.update("properties", prop_id, {"client": None})
        self.props[prop_id]["client"] = None                  # the client survives, unplaced

    @precondition(lambda self: self.props)
    @rule(n=index)
    def attach_new_client(self, n):
        prop_id, code = self.pick(n), self.new_code()
        self.world.update("properties", prop_id, {"client": {"code": code}})
        self.props[prop_id]["client"] = self.codes[code] = self.world.docs["properties"][prop_id]["client"]

    # ---- moves ------------------------------------------------------------------------------
    @precondition(lambda self: any(p["port"] for p in self.props.values()))
    @rule(n=index, port=st.integers(1, PORTS + 1))
    def move_port(self, n, port):
        prop_id = self.pick(n, connected=True)
        h, own = self.props[prop_id]["holder"], self.props[prop_id]["port"]
        error = self.port_error(h, port, own)
        self.expect(error, lambda: self.world.update("properties", prop_id, {"port": port}))
        if error is None:
            self.place(prop_id, h, port)

    @precondition(lambda self: self.props)
    @rule(n=index, h=holder)
    def move_box(self, n, h):
        prop_id = self.pick(n)
        state = self.props[prop_id]
        if state["holder"] == h:
            return
        connected, free = state["port"] is not None, self.free(h)
        error = "BOX_FULL" if connected and not free else None
        self.expect(error, lambda: self.world.update("properties", prop_id,
                                                     {"box": self.holders[h]["id"]}))
        if error is None:
            self.place(prop_id, h, free[0] if connected else None)

    @precondition(lambda self: any(p["port"] for p in self.props.values()))
    @rule(n=index)
    def disconnect(self, n):
        prop_id = self.pick(n, connected=True)
        self.world.update("properties", prop_id, {"connector": None})
        self.place(prop_id, self.props[prop_id]["holder"], None)

    @precondition(lambda self: any(p["port"] is None and p["holder"] is not None
                                   for p in self.props.values()))
    @rule(n=index)
    def reconnect(self, n):
        ids = sorted(i for i, p in self.props.items() if p["port"] is None and p["holder"] is not None)
        prop_id = ids[n % len(ids)]
        h, free = self.props[prop_id]["holder"], self.free(self.props[prop_id]["holder"])
        self.expect(None if free else "BOX_FULL",
                    lambda: self.world.update("properties", prop_id, {"auto_connect": True}))
        if free:
            self.place(prop_id, h, free[0])

    # ---- cancellations --------------------------------------------------------------------
    @precondition(lambda self: self.props)
    @rule(n=index)
    def cancel_property(self, n):
        prop_id = self.pick(n)
        self.world.delete("properties", prop_id)
        self.forget(prop_id)

    @precondition(lambda self: any(p["client"] for p in self.props.values()))
    @rule(n=index)
    def cancel_client(self, n):
        prop_id = self.pick(n, client=True)
        self.world.delete("ftth-clients", self.props[prop_id]["client"])
        self.forget(prop_id)

    def forget(self, prop_id: str) -> None:
        self.place(prop_id, None, None)
        if self.props[prop_id]["client"]:
            self.drop_client(self.props[prop_id]["client"])
        del self.props[prop_id]

    # ---- the network ----------------------------------------------------------------------
    @rule(h=holder, port=st.integers(1, PORTS), blocked=st.booleans())
    def block(self, h, port, blocked):
        self.world.update("splitters", self.splitters[h]["id"],
                          {"ports": [{"index": port - 1, "blocked": blocked}]})
        (self.blocked[h].add if blocked else self.blocked[h].discard)(port)

    @precondition(lambda self: any(p["port"] for p in self.props.values()))
    @rule(n=index, potency=st.floats(1.0, 8.0))
    def pon_power(self, n, potency):
        prop = self.world.docs["properties"][self.pick(n, connected=True)]
        before, launch = optics.calculated_power(self.world, prop), self.pon["potency"] or 3.0
        self.world.update("pons", self.pon["id"], {"potency": potency})
        assert optics.calculated_power(self.world, prop) == pytest.approx(
            before + potency - launch, abs=0.011)

    # ---- after every step -----------------------------------------------------------------
    @invariant()
    def consistent(self):
        world = self.world
        world.check_invariants()
        for h, box in enumerate(self.holders):
            assert world.ports.available.get(box["id"], 0) == len(self.free(h))
            outputs = self.splitters[h]["connectables"]["output"]
            held = {p: connections(world, world.docs["properties"][i])[0]["fiber"]
                    for p, i in self.occupied[h].items()}
            assert {p + 1: f for p, f in enumerate(outputs) if f} == held
        for prop_id, state in self.props.items():
            prop = world.docs["properties"][prop_id]
            assert prop["client"] == state["client"]
            if state["holder"] is not None:
                assert prop["box"] == self.holders[state["holder"]]["id"]
        assert {c["code"]: c["id"] for c in world.docs["ftth-clients"].values()
                if c["code"] in self.codes} == self.codes


Lifecycle.TestCase.settings = settings(max_examples=30, stateful_step_count=30, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestLifecycle = Lifecycle.TestCase
