// What the dashboard and OZloc share: the API key of this tab, JSON calls, the map itself.
"use strict";

const OZ = (() => {
  const STORE = "ozsim.apiKey";

  // The key of this tab: from the URL fragment (#key=…, removed from the address bar at
  // once so that it is never kept in the history), else what this tab stored before.
  function takeKey() {
    const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    const fromHash = hash.get("key");
    if (fromHash) {
      sessionStorage.setItem(STORE, fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(STORE);
  }

  function storeKey(key) {
    if (key) sessionStorage.setItem(STORE, key); else sessionStorage.removeItem(STORE);
  }

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  // A JSON call with the key; a non-2xx answer throws ApiError(status, code, message).
  async function call(key, path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    if (key) headers.Authorization = key;
    let body = options.body;
    if (body !== undefined && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, { method: options.method || "GET", headers, body });
    } catch (err) {
      throw new ApiError(0, "NETWORK_ERROR", `the simulator could not be reached (${err.message})`);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) {
      throw new ApiError(response.status, (data && data.code) || `HTTP_${response.status}`,
                         (data && data.message) || response.statusText, data && data.field);
    }
    return data;
  }

  function query(params) {
    return Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  }

  // A Leaflet map drawn on canvas over a plain background: no tiles are ever requested.
  function map(element) {
    const m = L.map(element, { preferCanvas: true, attributionControl: false, zoomSnap: 1,
                               minZoom: 3, maxZoom: 20, worldCopyJump: false });
    L.control.scale({ imperial: false }).addTo(m);
    m.setView([-27.5954, -48.548], 13);
    return m;
  }

  // The projects' areas: the basemap of a network.
  function drawAreas(layer, projects) {
    layer.clearLayers();
    for (const p of projects) {
      if (!p.area) continue;
      L.geoJSON(p.area, { interactive: false,
        style: { color: "#8aa4bf", weight: 1, fillColor: "#e8eef5", fillOpacity: 0.6 } })
        .addTo(layer);
    }
  }

  const BOX_COLOURS = { free: "#2e9d4f", "nearly-full": "#e0a800", full: "#c62828",
                        draft: "#f08c2e", splice: "#7a8794" };
  const CLIENT_COLOURS = { ok: "#2e9d4f", error: "#d32f2f", reserved: "#f08c2e",
                           vacant: "#9aa5b1" };

  function escape(value) {
    return String(value ?? "").replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function dbm(value) {
    return value === null || value === undefined ? "–" : `${value.toFixed(2)} dBm`;
  }

  return { takeKey, storeKey, call, query, map, drawAreas, ApiError, escape, dbm,
           BOX_COLOURS, CLIENT_COLOURS };
})();
