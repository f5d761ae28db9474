"""A tenant of the session simulator with an INT6 integration, driven over HTTP: INT6's API
(HTTP Basic), its control routes and OZmap's API (the tenant's key). Every response goes
through the session app's contract check (``contracts/int6.yaml`` for INT6, ``ozmap.yaml``
for OZmap)."""
from __future__ import annotations

import base64
import uuid


class Int6Tenant:
    def __init__(self, app, simulator, network: str = "demo"):
        self.http = app.test_client()
        self.key = simulator.add_tenant(network=network)
        self.world = simulator.tenants.world(simulator.tenants.tenant_of(self.key))
        suffix = uuid.uuid4().hex[:12]
        self.email, self.token = f"int6-{suffix}@isp.example", f"token-{suffix}"

    # ---- the three surfaces ----------------------------------------------------------------
    def control(self, method: str, path: str, body=None, key: str | None = None, query=None):
        return self.http.open(f"/__ozsim/{path.lstrip('/')}", method=method, json=body,
                              query_string=query, headers={"Authorization": key or self.key})

    def int6(self, method: str, path: str, body=None, query=None, auth=None, **kw):
        user, password = auth or (self.email, self.token)
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        return self.http.open(f"/int6/{path.lstrip('/')}", method=method, json=body,
                              query_string=query, headers={"Authorization": f"Basic {basic}"}, **kw)

    def ozmap(self, method: str, path: str, body=None, query=None):
        return self.http.open(f"/api/v2/{path.lstrip('/')}", method=method, json=body,
                              query_string=query, headers={"Authorization": self.key})

    # ---- shortcuts -------------------------------------------------------------------------
    def configure(self, **config) -> dict:
        response = self.control("PUT", "integrations/int6",
                                {"email": self.email, "token": self.token, **config})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def onu(self, code: str, **values) -> dict:
        response = self.control("PUT", f"int6/onus/{code}", values)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def pull(self) -> dict:
        response = self.control("POST", "jobs/int6-pull/run")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def pull_log(self) -> list[dict]:
        """The ``int6-pull`` job's log, newest first."""
        jobs = self.control("GET", "jobs").get_json()["jobs"]
        return next(j["log"] for j in jobs if j["name"] == "int6-pull")

    def customer(self, code: str) -> tuple[dict, dict]:
        """(client, property) of a client code, as OZmap answers them."""
        found = self.ozmap("GET", f"properties/client/{code}").get_json()
        assert len(found) == 1, found
        return found[0]["client"], found[0]

    def clients(self, implanted: bool | None = None) -> list[dict]:
        """The world's placed clients with a code (optionally by implantation), by code."""
        placed = {p["client"] for p in self.world.docs["properties"].values() if p.get("client")}
        return sorted((c for c in self.world.docs["ftth-clients"].values()
                       if c.get("code") and c["id"] in placed
                       and (implanted is None or c["implanted"] is implanted)),
                      key=lambda c: c["code"])
