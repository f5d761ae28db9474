"""The `api` fixture: the app in-process, a fresh tenant per test, every response checked
against the contract (status documented, body valid)."""
from __future__ import annotations

import json

import pytest

from ozsim.app import Simulator, create_app

from .. import contract_check

_SIM = Simulator(network="empty")
_APP = create_app(_SIM)


class Api:
    """Thin JSON client over Flask's test client that validates every /api/v2 response."""

    def __init__(self, app, key: str):
        self.http = app.test_client()
        self.key = key
        self.world = _SIM.tenants.world(_SIM.tenants.tenant_of(key))

    def request(self, method: str, path: str, body=None, query=None, headers=None, raw=None,
                check: bool = True):
        hdrs = {"Authorization": self.key}
        hdrs.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            hdrs.setdefault("Content-Type", "application/json")
        response = self.http.open(f"/api/v2/{path.lstrip('/')}", method=method, data=data,
                                  query_string=query, headers={k: v for k, v in hdrs.items()
                                                               if v is not None})
        if check:
            problems = conformance(method, response)
            assert not problems, f"{method} {path} → {response.status_code}: {problems}"
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, status: int, **kw):
        response = self.request(method, path, **kw)
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json() if response.data else None


def conformance(method: str, response) -> list[str]:
    """Problems of a response against the contract ([] when it conforms)."""
    body = response.get_json(silent=True) if response.data else None
    if response.data and body is None and response.is_json:
        return [f"the body is not valid JSON: {response.data[:200]!r}"]
    return contract_check.problems(method, response.request.path, response.status_code, body,
                                   json_body=response.is_json)


@pytest.fixture
def api():
    """A fresh tenant in the default mode: unknown fields are dropped (X-Ozsim-Warning)."""
    return Api(_APP, _SIM.add_tenant())


@pytest.fixture
def strict_api():
    """A fresh tenant that refuses unknown fields (400), for the tests of refusals."""
    return Api(_APP, _SIM.add_tenant(strict=True))


@pytest.fixture
def project(api):
    return api.ok("POST", "projects", 201, body={"name": "Projeto Teste"})


@pytest.fixture
def strict_project(strict_api):
    return strict_api.ok("POST", "projects", 201, body={"name": "Projeto Teste"})


def type_id(api, route: str, code: str) -> str:
    return next(d["id"] for d in api.world.docs[route].values()
                if d.get("code") == code or d.get("name") == code)
