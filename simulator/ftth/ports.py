"""The port ledger: which service-splitter ports each box or building can still sell.

A port is **available** when its output holds no fibre and it is not ``blocked``; only
service splitters (``isDrop: true``) take clients. The ledger is a write observer of the
core: the world tells it of every stored write of a splitter, box or building, so it
follows every path that changes a port (rules, generator bulk path, snapshot loads).
"""
from __future__ import annotations

from ..core.world import Observer


def is_service(splitter: dict) -> bool:
    return splitter.get("isDrop") is True


def available_ports(splitter: dict) -> list[int]:
    """1-based output ports that are free (no fibre) and not blocked."""
    output = (splitter.get("connectables") or {}).get("output") or ()
    ports = splitter.get("ports") or ()
    return [i + 1 for i, fiber in enumerate(output)
            if fiber is None and not (i < len(ports) and ports[i].get("blocked"))]


def serving_entry(splitter: dict) -> tuple:
    """A service splitter in its holder's ledger: (serving order — ``index``, then creation —,
    id, name, available ports)."""
    index = splitter.get("index")
    return ((index is None, index or 0, splitter["id"]), splitter["id"], splitter.get("name"),
            tuple(available_ports(splitter)))


class PortLedger(Observer):
    """The sellable ports of every holder (box or building): its service splitters in serving
    order (``index``, then creation), each with its available 1-based ports.

    ``available`` counts a holder's available ports; ``cache`` holds per-holder values derived
    from the ledger (feasibility items): an entry is dropped whenever the holder or one of its
    splitters is written.
    """

    routes = ("splitters", "boxes", "buildings")

    def __init__(self):
        self.available: dict[str, int] = {}
        self.cache: dict[str, object] = {}
        self._served: dict[str, dict[str, tuple]] = {}   # holder -> {splitter: entry}
        self._holder: dict[str, str] = {}                # service splitter -> its holder

    def note(self, route: str, doc: dict, add: bool) -> None:
        if route != "splitters":
            self.cache.pop(doc["id"], None)
            return
        splitter_id = doc["id"]
        if add:
            holder = doc.get("parent")
            if holder is None or not is_service(doc):
                return
            entry = serving_entry(doc)
            self._served.setdefault(holder, {})[splitter_id] = entry
            self._holder[splitter_id] = holder
            change = len(entry[3])
        else:
            holder = self._holder.pop(splitter_id, None)
            if holder is None:
                return
            served = self._served[holder]
            change = -len(served.pop(splitter_id)[3])
            if not served:
                del self._served[holder]
        count = self.available.get(holder, 0) + change
        if count:
            self.available[holder] = count
        else:
            self.available.pop(holder, None)
        self.cache.pop(holder, None)

    def holders(self):
        """Every holder with a service splitter."""
        return self._served.keys()

    def serving(self, holder: str) -> list[tuple[str, str | None, tuple]]:
        """``[(splitter id, name, available ports)]`` of a holder's service splitters, in
        serving order (``index``, then creation)."""
        served = self._served.get(holder)
        if not served:
            return []
        entries = served.values() if len(served) == 1 else sorted(served.values())
        return [entry[1:] for entry in entries]
