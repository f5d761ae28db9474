"""A small typed client of the OZmap API v2 that speaks only HTTP (``requests``).

It behaves like the official SDK ``@ozmap/ozmap-sdk`` 1.1.8 where integrators depend on it
(docs/api-conventions.md):

* the API key travels raw in ``Authorization``; ``login()`` accepts ``{login, password}`` or
  ``{apiKey}`` and, when credentials are configured, a 401 triggers one login and one replay;
* filters and sorts travel as URL-encoded JSON in the query string (like OZmap's tutorials),
  or in the JSON body of the GET (like the SDK) with ``filter_in="body"``;
* ``find_all`` follows ``nextUrl`` exactly like the SDK's ``findAll``: it keeps the query of
  ``nextUrl``, drops ``page``, forces ``limit`` back to the batch size, replaces ``select`` and
  ``populate`` with the caller's, and re-sends the same body;
* after a connection reset it waits ``retry_wait`` seconds and retries once; after a timeout
  it retries up to twice; a refused connection fails at once;
* every non-2xx answer becomes an ``OZmapError`` (``BadRequest`` 400, ``Unauthorized`` 401,
  ``Forbidden`` 403, ``NotFound`` 404, ``RuleViolation`` 422) carrying ``status``,
  ``message`` and ``code``.

Where the SDK is unsafe, it does better — retries that cannot apply a write twice:

* only idempotent requests are sent again blindly (GET, PATCH, DELETE, and the POSTs that set
  values: login, batch updates). A POST that got no answer — a reset, a timeout, a 502/503/504,
  an empty 2xx — may or may not have been applied: it raises an error marked ``ambiguous``,
  unless the caller of ``create`` says how to find what it creates (``existing``, by a
  natural key such as the client code): then the client looks first and sends the POST again
  only when nothing is there;
* idempotent requests are also retried once after a 502/503/504 or an empty answer to a GET,
  and a DELETE whose retry finds nothing (404) counts as done;
* a 429 waits ``Retry-After`` seconds (through ``sleep``) and tries again, up to
  ``rate_limit_retries`` times.

``get`` answers ``None`` on 404 (the SDK's ``findById``); every other error is raised.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Literal, Mapping, Sequence, TypedDict, cast
from urllib.parse import parse_qsl, quote, urlsplit

import requests

Document = dict[str, Any]
Filter = Sequence[Any]          # [{property, operator, value} | [cond, cond, ...], ...]
Sort = Sequence[Mapping[str, Any]]
Fields = str | Sequence[str] | None

DEFAULT_BATCH = 100
DEFAULT_TIMEOUT = 240.0         # legacy OZmap clients use 240 s (property creation can be slow)


# ---- errors ----------------------------------------------------------------------------------
class OZmapError(Exception):
    """An OZmap error answer (any non-2xx status), or a transport failure (``status == 0``).
    ``ambiguous``: the request may have been applied although it failed (a POST that got no
    answer, a 502/503/504 or an empty one)."""

    status: int = 0

    def __init__(self, status: int, message: str, code: str | None = None,
                 field: str | None = None, body: Any = None, method: str = "",
                 url: str = "", ambiguous: bool = False):
        super().__init__(f"{method} {url} → {status}: {message}" + (f" [{code}]" if code else ""))
        self.status = status
        self.message = message
        self.code = code
        self.field = field
        self.body = body
        self.method = method
        self.url = url
        self.ambiguous = ambiguous

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "code": self.code,
                "field": self.field}


class BadRequest(OZmapError):
    """400: malformed input (bad JSON, unknown field or operator, invalid id or coordinates)."""


class Unauthorized(OZmapError):
    """401: missing or invalid API key or credentials."""


class Forbidden(OZmapError):
    """403: the element belongs to a project outside the key's projects."""


class NotFound(OZmapError):
    """404: the element or route does not exist (or was deleted)."""


class RuleViolation(OZmapError):
    """422: a business rule refused the operation (port occupied, box full, duplicate code…)."""


class OZmapConnectionError(OZmapError):
    """The request never got an answer (refused, reset or timed out after the retries)."""


ERRORS: dict[int, type[OZmapError]] = {400: BadRequest, 401: Unauthorized, 403: Forbidden,
                                       404: NotFound, 422: RuleViolation}
NO_ANSWER = (502, 503, 504)                       # the server may have applied the request
IDEMPOTENT_POSTS = ("/users/login", "/batch-update")
RETRIES = {"RESET": 1, "TIMEOUT": 2, "NO_ANSWER": 1}   # blind retries of an idempotent request


# ---- typed shapes of the answers -------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """One page of a list answer (the list envelope)."""

    total: int
    count: int
    start: int
    limit: int
    rows: list[Document]
    has_next_page: bool
    next_url: str | None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> "Page":
        rows = list(body.get("rows") or [])
        return cls(total=int(body.get("total", len(rows))), count=int(body.get("count", len(rows))),
                   start=int(body.get("start") or 0), limit=int(body.get("limit") or 0), rows=rows,
                   has_next_page=bool(body.get("hasNextPage", False)),
                   next_url=body.get("nextUrl"))


class Tombstone(TypedDict):
    id: str
    kind: str
    deletedAt: str


class ViabilitySplitter(TypedDict):
    id: str
    name: str | None
    availablePorts: list[int]


class ViabilityBox(TypedDict, total=False):
    id: str
    name: str | None
    kind: str
    boxType: str
    buildingType: str
    coords: list[float]
    lat: float
    lng: float
    distance: float
    dropLength: float
    implanted: bool
    draft: bool
    viable: bool
    availablePorts: int
    reason: str | None
    splitters: list[ViabilitySplitter]


class ViabilityResult(TypedDict, total=False):
    viable: bool
    lat: float
    lng: float
    radius: float
    pole: dict[str, Any] | None
    boxes: list[ViabilityBox]
    viableBoxes: list[ViabilityBox]
    notViableBoxes: list[ViabilityBox]


class CondominiumItem(TypedDict):
    id: str
    name: str | None
    address: str | None
    project: str
    viable: bool
    availablePorts: int
    boxes: list[ViabilityBox]


class CondominiumResult(TypedDict):
    viable: bool
    buildings: list[ViabilityBox]
    horizontalCondominiums: list[CondominiumItem]


class Named(TypedDict):
    id: str
    name: str | None


class OltPop(TypedDict):
    property: str
    client: str
    pop: Named | None
    olt: Named | None
    slot: Named | None
    pon: Named | None
    splitter: Named | None
    port: int | None
    potencyCalculated: float | None
    potencyRead: float | None


class ClockState(TypedDict):
    now: str
    frozen: bool


# ---- the client ------------------------------------------------------------------------------
def _fields(value: Fields) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return " ".join(value)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _retry_after(response: requests.Response | None, default: float) -> float:
    """Seconds to wait before trying again: the answer's ``Retry-After`` (in seconds), else
    ``default``."""
    raw = response.headers.get("Retry-After", "") if response is not None else ""
    return float(raw) if raw.strip().isdigit() else default


def _is_reset(exc: BaseException) -> bool:
    """True when a ``requests.ConnectionError`` was caused by ECONNRESET/EPIPE."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return True
        if isinstance(item, ConnectionRefusedError):
            return False
        if isinstance(item, str):
            low = item.lower()
            if "connection reset" in low or "connection aborted" in low or "broken pipe" in low:
                return True
            continue
        if isinstance(item, BaseException):
            stack.extend(item.args)
            stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None)])
    return False


@dataclass
class RequestLog:
    """One exchange, kept for the runner's reports (method, URL, status, milliseconds)."""

    method: str
    url: str
    status: int
    ms: float


@dataclass
class OZmapClient:
    """``OZmapClient("https://sandbox.ozmap.com.br:9994", api_key="…")``.

    ``session`` may be any ``requests.Session`` — the scenario runner mounts a WSGI adapter on
    one to run the very same code in-process against the simulator.
    """

    base_url: str
    api_key: str | None = None
    session: requests.Session = field(default_factory=requests.Session)
    timeout: float | None = DEFAULT_TIMEOUT
    retry_wait: float = 5.0
    filter_in: Literal["query", "body"] = "query"
    credentials: dict[str, str] | None = None
    sleep: Callable[[float], None] = time.sleep
    rate_limit_retries: int = 3
    admin_token: str | None = None      # the simulator's X-Ozsim-Admin, sent to /__ozsim only
    log: list[RequestLog] = field(default_factory=list)
    keep_log: int = 200

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    # -- plumbing --------------------------------------------------------------------------
    def url(self, path: str) -> str:
        """``/boxes`` → ``<base>/api/v2/boxes``; absolute API or control paths are kept."""
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        if not (path.startswith("/api/") or path.startswith("/__ozsim")):
            path = "/api/v2" + path
        return self.base_url + path

    def headers(self, with_body: bool, control: bool = False) -> dict[str, str]:
        hdrs = {"Accept": "application/json, text/plain, */*"}
        if self.api_key:
            hdrs["Authorization"] = self.api_key
        if control and self.admin_token:
            hdrs["X-Ozsim-Admin"] = self.admin_token
        if with_body:
            hdrs["Content-Type"] = "application/json"
        return hdrs

    def _send(self, method: str, url: str, params: Any, body: Any, has_body: bool
              ) -> requests.Response:
        """One exchange; a transport failure becomes ``OZmapConnectionError`` whose code says
        what happened: RESET (the connection dropped, no answer), TIMEOUT, CONNECTION_ERROR
        (never connected: nothing was sent)."""
        raw = isinstance(body, bytes)
        data = body if raw else _compact(body).encode() if has_body else None
        started = time.perf_counter()
        headers = self.headers(has_body, control="/__ozsim" in urlsplit(url).path)
        if raw:
            headers["Content-Type"] = "application/octet-stream"
        try:
            response = self.session.request(method, url, params=params, data=data,
                                            headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:             # ETIMEDOUT / ECONNTIMEOUT
            raise OZmapConnectionError(0, f"timed out: {exc}", "TIMEOUT", method=method,
                                       url=url) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            reset = _is_reset(exc) or isinstance(exc, requests.exceptions.ChunkedEncodingError)
            raise OZmapConnectionError(0, f"connection failed: {exc}",
                                       "RESET" if reset else "CONNECTION_ERROR", method=method,
                                       url=url) from exc
        self.log.append(RequestLog(method, response.url or url, response.status_code,
                                   (time.perf_counter() - started) * 1000))
        del self.log[:-self.keep_log]
        return response

    def request(self, method: str, path: str, query: Mapping[str, Any] | Sequence[tuple[str, Any]]
                | None = None, body: Any = None, *, has_body: bool | None = None,
                relogin: bool = True) -> requests.Response:
        """One logical exchange, with the retries of the module docstring; raises
        ``OZmapError`` on any non-2xx answer."""
        method = method.upper()
        url = self.url(path)
        if has_body is None:
            has_body = body is not None
        idempotent = method != "POST" or urlsplit(url).path.endswith(IDEMPOTENT_POSTS)
        tries = dict.fromkeys(RETRIES, 0)
        waits, relogged, retried = 0, False, False
        while True:
            try:
                response = self._send(method, url, query, body, has_body)
                failure = self._failure(method, response)
            except OZmapConnectionError as exc:
                if exc.code not in RETRIES:
                    raise                           # never connected: nothing was sent
                response, failure, lost = None, exc.code, exc
            if failure in RETRIES and idempotent and tries[failure] < RETRIES[failure]:
                tries[failure] += 1
                retried = True
                self.sleep(_retry_after(response, self.retry_wait))
                continue
            if response is None:
                lost.ambiguous = not idempotent
                raise lost
            status = response.status_code
            if status == 401 and relogin and self.credentials and not relogged \
                    and not path.rstrip("/").endswith("users/login"):
                self.login(**self.credentials)
                relogged = True
                continue
            if status == 429 and waits < self.rate_limit_retries:
                waits += 1
                self.sleep(_retry_after(response, self.retry_wait))
                continue
            if method == "DELETE" and status == 404 and retried:
                return response                     # the first attempt had deleted it
            if failure is not None:
                raise self.error(response, ambiguous=not idempotent)
            if status >= 400:
                raise self.error(response)
            return response

    @staticmethod
    def _failure(method: str, response: requests.Response) -> str | None:
        """NO_ANSWER when the server gave none that counts: a 502/503/504, or a GET answered
        2xx without a body."""
        if response.status_code in NO_ANSWER or (
                method == "GET" and response.ok and not response.content.strip()):
            return "NO_ANSWER"
        return None

    @staticmethod
    def error(response: requests.Response, ambiguous: bool = False) -> OZmapError:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        message = body.get("message") if isinstance(body, dict) else None
        code = body.get("code") if isinstance(body, dict) else None
        fld = body.get("field") if isinstance(body, dict) else None
        cls = ERRORS.get(response.status_code, OZmapError)
        method = (response.request.method or "") if response.request is not None else ""
        return cls(response.status_code, str(message or body or response.reason or "no answer"),
                   code or ("EMPTY_ANSWER" if response.ok else None), fld, body, method,
                   response.url, ambiguous)

    def call(self, method: str, path: str, query: Any = None, body: Any = None) -> Any:
        """A request whose JSON answer is returned (``None`` for an empty body)."""
        response = self.request(method, path, query, body)
        if not response.content or not response.content.strip():
            return None
        return response.json()

    # -- authentication --------------------------------------------------------------------
    def login(self, login: str | None = None, password: str | None = None,
              api_key: str | None = None) -> str:
        """``POST /users/login`` with ``{login, password}`` or ``{apiKey}``; keeps the token."""
        if api_key is not None:
            body: dict[str, str] = {"apiKey": api_key}
            self.credentials = {"api_key": api_key}
        elif login is not None and password is not None:
            body = {"login": login, "password": password}
            self.credentials = {"login": login, "password": password}
        else:
            raise ValueError("login() needs login and password, or api_key")
        answer = self.request("POST", "/users/login", {"type": "API"}, body,
                              relogin=False).json()
        token = answer.get("authorization") or answer.get("authenticationKey")
        if not isinstance(token, str):
            raise OZmapError(200, f"login answered without a token: {answer!r}")
        self.api_key = token
        return token

    def authenticated(self) -> Document:
        return cast(Document, self.call("GET", "/authenticated"))

    # -- reading -----------------------------------------------------------------------------
    def _list_query(self, filter: Filter | None, sort: Sort | None, limit: int | None,
                    page: int | None, start: int | None, select: Fields,
                    populate: Fields) -> tuple[list[tuple[str, str]], dict[str, Any] | None]:
        params: list[tuple[str, str]] = []
        body: dict[str, Any] | None = None
        if self.filter_in == "body":
            body = {}
            if filter is not None:
                body["filter"] = list(filter)
            if sort is not None:
                body["sort"] = list(sort)
        else:
            if filter is not None:
                params.append(("filter", _compact(list(filter))))
            if sort is not None:
                params.append(("sort", _compact(list(sort))))
        for name, value in (("start", start), ("page", page), ("limit", limit)):
            if value is not None:
                params.append((name, str(value)))
        if (sel := _fields(select)) is not None:
            params.append(("select", sel))
        if (pop := _fields(populate)) is not None:
            params.append(("populate", pop))
        return params, body

    def find(self, resource: str, filter: Filter | None = None, sort: Sort | None = None,
             limit: int | None = None, page: int | None = None, select: Fields = None,
             populate: Fields = None, start: int | None = None) -> Page:
        """``GET /<resource>`` — one page."""
        params, body = self._list_query(filter, sort, limit, page, start, select, populate)
        response = self.request("GET", f"/{resource}", params, body, has_body=body is not None)
        return Page.from_json(response.json())

    def find_all(self, resource: str, filter: Filter | None = None, sort: Sort | None = None,
                 select: Fields = None, populate: Fields = None,
                 batch_size: int = DEFAULT_BATCH) -> Iterator[Document]:
        """Every matching document, following ``nextUrl`` the way the SDK's ``findAll`` does."""
        params, body = self._list_query(filter, sort, batch_size, None, None, select, populate)
        seen: set[tuple[tuple[str, str], ...]] = set()
        while True:
            response = self.request("GET", f"/{resource}", params, body, has_body=body is not None)
            page = Page.from_json(response.json())
            yield from page.rows
            if not page.has_next_page or not page.next_url or not page.rows:
                return
            query = [(k, v) for k, v in parse_qsl(urlsplit(page.next_url).query,
                                                  keep_blank_values=True)
                     if k not in ("page", "limit", "select", "populate")
                     and not k.startswith("populate[")]
            query.append(("limit", str(batch_size)))
            if (sel := _fields(select)) is not None:
                query.append(("select", sel))
            if (pop := _fields(populate)) is not None:
                query.append(("populate", pop))
            if self.filter_in == "query" and filter is not None \
                    and not any(k == "filter" for k, _ in query):
                query.append(("filter", _compact(list(filter))))
            if self.filter_in == "query" and sort is not None \
                    and not any(k == "sort" for k, _ in query):
                query.append(("sort", _compact(list(sort))))
            key = tuple(sorted(query))
            if key in seen:
                raise OZmapError(0, f"pagination of /{resource} does not advance: "
                                    f"nextUrl {page.next_url!r} repeats a page", "PAGING_LOOP")
            seen.add(key)
            params = query

    def count(self, resource: str, filter: Filter | None = None) -> int:
        return self.find(resource, filter, limit=1).total

    def get(self, resource: str, id: str, select: Fields = None,
            populate: Fields = None) -> Document | None:
        """``GET /<resource>/<id>``; ``None`` on 404 (other errors are raised)."""
        params: list[tuple[str, str]] = []
        if (sel := _fields(select)) is not None:
            params.append(("select", sel))
        if (pop := _fields(populate)) is not None:
            params.append(("populate", pop))
        try:
            return cast(Document, self.call("GET", f"/{resource}/{quote(id, safe='')}", params))
        except NotFound:
            return None

    # -- writing -----------------------------------------------------------------------------
    def create(self, resource: str, body: Mapping[str, Any],
               existing: Callable[[], Document | None] | None = None) -> Document:
        """``POST /<resource>`` → the created document (201).

        A POST is not idempotent, so it is never sent again blindly. ``existing`` says how to
        find the document this create makes (by a natural key: a client code, a name in a
        project); after an ambiguous failure — no answer, a 502/503/504, an empty 2xx — the
        client waits ``retry_wait``, looks, and answers what it finds; only when nothing is
        there does it send the POST once more. Without ``existing`` the ambiguous error is
        raised (``error.ambiguous``)."""
        try:
            return self._created(resource, body)
        except OZmapError as exc:
            if existing is None or not exc.ambiguous:
                raise
        self.sleep(self.retry_wait)
        found = existing()
        return found if found is not None else self._created(resource, body)

    def _created(self, resource: str, body: Mapping[str, Any]) -> Document:
        response = self.request("POST", f"/{resource}", None, dict(body))
        if not response.content.strip():
            raise OZmapError(response.status_code, "the create was answered without the "
                             "created document", "EMPTY_ANSWER", method="POST",
                             url=response.url, ambiguous=True)
        return cast(Document, response.json())

    def update(self, resource: str, id: str, body: Mapping[str, Any]) -> None:
        """``PATCH /<resource>/<id>`` (204)."""
        self.request("PATCH", f"/{resource}/{quote(id, safe='')}", None, dict(body))

    def delete(self, resource: str, id: str) -> None:
        """``DELETE /<resource>/<id>`` (204)."""
        self.request("DELETE", f"/{resource}/{quote(id, safe='')}")

    def batch_update(self, resource: Literal["properties", "ftth-clients"], filter: Filter,
                     update: Mapping[str, Any]) -> None:
        """``POST /<resource>/batch-update {filter, update}`` (204)."""
        self.request("POST", f"/{resource}/batch-update", None,
                     {"filter": list(filter), "update": dict(update)})

    # -- special routes ----------------------------------------------------------------------
    @staticmethod
    def _point(lat: float, lng: float, radius: float | None) -> dict[str, str]:
        query = {"lat": repr(float(lat)), "lng": repr(float(lng))}
        if radius is not None:
            query["radius"] = repr(float(radius))
        return query

    def feasibility_radius(self, lat: float, lng: float,
                           radius: float | None = None) -> ViabilityResult:
        return cast(ViabilityResult, self.call("GET", "/ftth-viability/radius",
                                               self._point(lat, lng, radius)))

    def feasibility_pole(self, lat: float, lng: float) -> ViabilityResult:
        return cast(ViabilityResult, self.call("GET", "/ftth-viability/pole",
                                               self._point(lat, lng, None)))

    def feasibility_condominiums(self, lat: float, lng: float,
                                 radius: float | None = None) -> CondominiumResult:
        return cast(CondominiumResult, self.call("GET", "/ftth-viability/condominiums",
                                                 self._point(lat, lng, radius)))

    def properties_by_client_code(self, code: str, populate: Fields = None) -> list[Document]:
        """``GET /properties/client/:code`` — a bare array, ``client`` populated."""
        params = [("populate", p)] if (p := _fields(populate)) else None
        return cast(list[Document], self.call("GET", f"/properties/client/{quote(code, safe='')}",
                                              params) or [])

    def olt_pop(self, code: str) -> OltPop:
        """``GET /properties/client/:code/olt-pop`` — equipment upstream and calculated power."""
        return cast(OltPop, self.call("GET", f"/properties/client/{quote(code, safe='')}/olt-pop"))

    # -- the simulator's control plane (absent on a real OZmap) ------------------------------
    @property
    def control(self) -> "ControlPlane":
        return ControlPlane(self)


@dataclass
class ControlPlane:
    """``/__ozsim`` — the simulator's control plane (contracts/control.yaml), acting on the
    client's tenant (its API key). Simulator-only."""

    client: OZmapClient

    def available(self) -> bool:
        """True when the target is the simulator with its control plane on (whether or not
        it wants an admin token). A target that cannot be reached raises
        ``OZmapConnectionError``: it is neither."""
        try:
            self.client.request("GET", "/__ozsim/tenants", relogin=False)
            return True
        except OZmapConnectionError:
            raise
        except OZmapError as exc:
            return exc.code in ("ADMIN_TOKEN_REQUIRED", "INVALID_ADMIN_TOKEN")

    # -- tenants (the admin token, when the server has one, goes with every call) ----------
    def create_tenant(self, network: str = "empty", seed: int = 0,
                      api_key: str | None = None) -> str:
        body: dict[str, Any] = {"network": network, "seed": seed}
        if api_key:
            body["apiKey"] = api_key
        return str(self.client.call("POST", "/__ozsim/tenants", None, body)["apiKey"])

    def tenants(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.client.call("GET", "/__ozsim/tenants"))

    def delete_tenant(self, api_key: str) -> None:
        self.client.request("DELETE", f"/__ozsim/tenants/{quote(api_key, safe='')}")

    def reset(self) -> None:
        self.client.request("POST", "/__ozsim/reset")

    def seed(self, network: str, seed: int = 0) -> dict[str, Any]:
        """Replace the tenant's world with a generated network."""
        return cast(dict[str, Any], self.client.call("POST", "/__ozsim/seed", None,
                                                     {"network": network, "seed": seed}))

    # -- state ---------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The tenant's world as a file (restoring it gives back the same bytes)."""
        return self.client.request("GET", "/__ozsim/snapshot").content

    def restore(self, snapshot: bytes) -> None:
        self.client.request("PUT", "/__ozsim/snapshot", None, snapshot)

    def invariants(self) -> dict[str, Any]:
        """``{ok: true}``, or ``{ok: false, message}`` (409 is an answer here, not an error)."""
        try:
            return cast(dict[str, Any], self.client.call("GET", "/__ozsim/invariants"))
        except OZmapError as exc:
            if exc.status == 409 and isinstance(exc.body, dict):
                return cast(dict[str, Any], exc.body)
            raise

    # -- clock ---------------------------------------------------------------------------
    def clock(self) -> ClockState:
        return cast(ClockState, self.client.call("GET", "/__ozsim/clock"))

    def advance(self, seconds: float) -> ClockState:
        return cast(ClockState, self.client.call("POST", "/__ozsim/clock", None,
                                                 {"advance": seconds}))

    def freeze(self, at: str | bool = True) -> ClockState:
        return cast(ClockState, self.client.call("POST", "/__ozsim/clock", None, {"freeze": at}))

    def unfreeze(self) -> ClockState:
        return cast(ClockState, self.client.call("POST", "/__ozsim/clock", None,
                                                 {"unfreeze": True}))

    # -- the request journal -----------------------------------------------------------------
    def requests(self, method: str | None = None, path: str | None = None,
                 status: int | str | None = None, since: str | None = None,
                 until: str | None = None, limit: int | None = None) -> list[Document]:
        """The tenant's requests to the simulated APIs, oldest first (``path``: a pattern,
        ``*`` any characters; ``status``: 201, "4xx" or "none")."""
        query = {k: str(v) for k, v in (("method", method), ("path", path), ("status", status),
                                         ("since", since), ("until", until), ("limit", limit))
                 if v is not None}
        return cast(list[Document], self.client.call("GET", "/__ozsim/requests",
                                                     query)["requests"])

    def unmatched(self) -> list[Document]:
        """The tenant's requests that matched no route, each with its ``nearMiss``."""
        return cast(list[Document], self.client.call("GET", "/__ozsim/requests/unmatched")[
            "requests"])

    def clear_requests(self) -> None:
        self.client.request("DELETE", "/__ozsim/requests")

    # -- faults, rate limit --------------------------------------------------------------
    def add_fault(self, rule: Mapping[str, Any]) -> Document:
        """A fault rule (contracts/control.yaml ``FaultRule``); answers it with its id."""
        return cast(Document, self.client.call("POST", "/__ozsim/faults", None, dict(rule)))

    def faults(self) -> list[Document]:
        return cast(list[Document], self.client.call("GET", "/__ozsim/faults")["faults"])

    def delete_fault(self, rule_id: str) -> None:
        self.client.request("DELETE", f"/__ozsim/faults/{quote(rule_id, safe='')}")

    def clear_faults(self) -> None:
        self.client.request("DELETE", "/__ozsim/faults")

    def rate_limit(self, requests: int | None = None, per: float | None = None
                   ) -> dict[str, Any]:
        """Give the key a token bucket of ``requests`` per ``per`` simulated seconds; with no
        arguments, remove it."""
        body = {} if requests is None else {"requests": requests, "per": per}
        return cast(dict[str, Any], self.client.call("PUT", "/__ozsim/rate-limit", None, body))


__all__ = ["OZmapClient", "ControlPlane", "Page", "Document", "OZmapError", "BadRequest",
           "Unauthorized", "Forbidden", "NotFound", "RuleViolation", "OZmapConnectionError",
           "ViabilityResult", "ViabilityBox", "ViabilitySplitter", "CondominiumResult", "OltPop",
           "Tombstone", "ClockState", "RequestLog"]
