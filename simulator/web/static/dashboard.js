// The network dashboard: the tenant's network on a map, feasibility on a click, a client's
// optical path, and the live panel (clock, request journal, job log).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const mapEl = $("map");
  let key = OZ.takeKey();
  const map = OZ.map(mapEl);
  const layers = {};
  for (const name of ["areas", "condominiums", "cables", "poles", "vacant", "clients", "boxes",
                      "buildings", "pops", "feasibility", "path"]) {
    layers[name] = L.layerGroup().addTo(map);
  }
  let latest = 0;          // the newest viewport request: older answers are dropped

  const api = (path, options) => OZ.call(key, path, options);

  function setState(state) { document.body.dataset.state = state; }

  function fail(err, where) {
    const details = $("details");
    details.innerHTML = `<p class="error" data-testid="error" data-code="${OZ.escape(err.code)}">` +
      `${OZ.escape(where)}: ${OZ.escape(err.message)} <code>${OZ.escape(err.code)}</code></p>`;
    if (err.status === 401) askKey("That API key is not registered here.");
  }

  function askKey(message) {
    setState("needs-key");
    $("key-form").hidden = false;
    $("forget-key").hidden = true;
    $("summary").textContent = message || "Enter the tenant's API key (it stays in this tab).";
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    key = $("key-input").value.trim();
    OZ.storeKey(key);
    $("key-input").value = "";
    start();
  });
  $("forget-key").addEventListener("click", () => { OZ.storeKey(null); key = null; askKey(); });

  // ---- the network -------------------------------------------------------------------
  async function start() {
    if (!key) { askKey(); return; }
    setState("loading");
    let overview;
    try {
      overview = await api("/map/overview");
    } catch (err) {
      fail(err, "Opening the network");
      return;
    }
    $("key-form").hidden = true;
    $("forget-key").hidden = false;
    $("ozloc-link").href = "/ozloc";
    const c = overview.counts;
    $("summary").textContent = `${c.boxes} boxes · ${c.clients} clients · ${c.buildings} buildings · ` +
      `${c.condominiums} gated communities`;
    OZ.drawAreas(layers.areas, overview.projects);
    const link = new URLSearchParams(location.search);          // ?lat=&lng=&zoom=: a deep link
    const at = ["lat", "lng", "zoom"].map((n) => parseFloat(link.get(n)));
    if (at.every(Number.isFinite)) {
      map.setView([at[0], at[1]], at[2], { animate: false });
    } else if (overview.bounds) {
      const [w, s, e, n] = overview.bounds;
      map.fitBounds([[s, w], [n, e]], { padding: [20, 20], animate: false });
    }
    refresh();
    live();
  }

  map.on("moveend", () => { if (key) refresh(); });

  // data-state is "ready" only once the newest viewport is drawn
  async function refresh() {
    const seq = ++latest;
    const started = performance.now();
    setState("loading");
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v, i) => Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)).toFixed(6));
    let view;
    try {
      view = await api(`/map/layers?${OZ.query({ bbox: bbox.join(","), zoom: map.getZoom() })}`);
    } catch (err) {
      if (seq === latest) fail(err, "Reading the viewport");
      return;
    }
    if (seq !== latest) return;
    const fetched = performance.now();
    draw(view);
    mapEl.dataset.fetchMs = Math.round(fetched - started);   // request, transfer and parse
    mapEl.dataset.drawMs = Math.round(performance.now() - fetched);
    setState("ready");
  }

  function cluster(item, kind, colours) {
    const top = Object.entries(item.states).sort((a, b) => b[1] - a[1])[0][0];
    const size = Math.round(22 + 8 * Math.log10(item.count));
    const icon = L.divIcon({ className: `cluster ${kind}-cluster`, iconSize: [size, size],
      html: `<span style="background:${colours[top]}">${item.count}</span>` });
    const detail = Object.entries(item.states).map(([s, n]) => `${s}: ${n}`).join("<br>");
    return L.marker(item.coords.slice().reverse(), { icon, keyboard: false })
      .bindTooltip(`${item.count} ${kind === "box" ? "boxes" : "clients"}<br>${detail}`)
      .on("click", () => map.setView(item.coords.slice().reverse(), Math.min(map.getZoom() + 2, 18)));
  }

  function drawn(layer) {
    return layer.items.reduce((sum, item) => sum + (item.count || 1), 0);
  }

  function draw(view) {
    for (const name of ["condominiums", "cables", "poles", "vacant", "clients", "boxes",
                        "buildings", "pops"]) layers[name].clearLayers();
    for (const c of view.condominiums) {
      L.geoJSON(c.polygon, { style: { color: "#6a4c93", weight: 2, dashArray: "6 4",
                                      fillOpacity: 0.06 } })
        .bindTooltip(`Gated community ${OZ.escape(c.name)}`).addTo(layers.condominiums);
    }
    for (const cable of view.cables) {
      const drop = cable.kind === "Drop";
      L.polyline(cable.coords.map((p) => [p[1], p[0]]), {
        color: drop ? "#9aa5b1" : cable.level === 1 ? "#1f5fa8" : "#4f8fd6",
        weight: drop ? 1 : cable.level === 1 ? 4 : 2.5, dashArray: cable.implanted ? null : "5 5",
        bubblingMouseEvents: false,
      }).bindTooltip(OZ.escape(cable.name || cable.kind)).addTo(layers.cables);
    }
    for (const pole of view.poles) {
      L.circleMarker([pole.coords[1], pole.coords[0]], { radius: 2, color: "#6b6b6b", weight: 1,
        fillOpacity: 1, bubblingMouseEvents: false }).bindTooltip(OZ.escape(pole.name))
        .addTo(layers.poles);
    }
    for (const v of view.vacant) {
      L.circleMarker([v.coords[1], v.coords[0]], { radius: 3, color: OZ.CLIENT_COLOURS.vacant,
        weight: 1, fillOpacity: 0.4, bubblingMouseEvents: false })
        .bindTooltip("property without a client").addTo(layers.vacant);
    }
    for (const item of view.clients.items) {
      if (view.clients.clustered) { cluster(item, "client", OZ.CLIENT_COLOURS).addTo(layers.clients); continue; }
      const reserved = item.state === "reserved";
      L.circleMarker([item.coords[1], item.coords[0]], {
        radius: 4.5, color: OZ.CLIENT_COLOURS[item.state], weight: reserved ? 2 : 1,
        fillColor: reserved ? "#ffffff" : OZ.CLIENT_COLOURS[item.state], fillOpacity: 0.95,
        bubblingMouseEvents: false,
      }).bindTooltip(`${OZ.escape(item.name)} · ${OZ.escape(item.code)} · ${item.state}`)
        .on("click", () => showPath(item.id)).addTo(layers.clients);
    }
    for (const item of view.boxes.items) {
      if (view.boxes.clustered) { cluster(item, "box", OZ.BOX_COLOURS).addTo(layers.boxes); continue; }
      L.circleMarker([item.coords[1], item.coords[0]], {
        radius: 7, color: "#1d2733", weight: 1.5, fillColor: OZ.BOX_COLOURS[item.state],
        fillOpacity: 1, dashArray: item.implanted ? null : "3 2", bubblingMouseEvents: false,
      }).bindTooltip(`${OZ.escape(item.name)} · ${item.state}` +
                     (item.ports ? ` · ${item.available}/${item.ports} ports free` : ""))
        .addTo(layers.boxes);
    }
    for (const b of view.buildings) {
      L.marker([b.coords[1], b.coords[0]], { icon: L.divIcon({ className: "building", iconSize: [14, 14] }) })
        .bindTooltip(`${OZ.escape(b.name)} · ${b.available}/${b.ports} ports free`).addTo(layers.buildings);
    }
    for (const p of view.pops) {
      L.marker([p.coords[1], p.coords[0]], { icon: L.divIcon({ className: "pop", iconSize: [16, 16] }) })
        .bindTooltip(`POP ${OZ.escape(p.name)}`).addTo(layers.pops);
    }
    mapEl.dataset.boxesDrawn = drawn(view.boxes);
    mapEl.dataset.clientsDrawn = drawn(view.clients);
    mapEl.dataset.clustered = String(view.boxes.clustered || view.clients.clustered);
    mapEl.dataset.zoom = view.zoom;
    mapEl.dataset.draws = Number(mapEl.dataset.draws || 0) + 1;
  }

  // ---- feasibility at a clicked point ------------------------------------------------
  map.on("click", async (event) => {
    if (!key) return;
    const { lat, lng } = event.latlng;
    const at = OZ.query({ lat: lat.toFixed(7), lng: lng.toFixed(7) });
    const details = $("details");
    details.innerHTML = `<h2>Feasibility</h2><p>Checking ${lat.toFixed(5)}, ${lng.toFixed(5)}…</p>`;
    details.dataset.state = "loading";
    layers.feasibility.clearLayers();
    layers.path.clearLayers();
    let radius, pole, condo;
    try {
      [radius, pole, condo] = await Promise.all(["radius", "pole", "condominiums"].map(
        (mode) => api(`/api/v2/ftth-viability/${mode}?${at}`)));
    } catch (err) {
      fail(err, "Feasibility");
      return;
    }
    L.circle([lat, lng], { radius: radius.radius, color: "#1f5fa8", weight: 1.5, fillOpacity: 0.05,
                           interactive: false }).addTo(layers.feasibility);
    L.circleMarker([lat, lng], { radius: 4, color: "#1f5fa8", fillOpacity: 1, interactive: false })
      .addTo(layers.feasibility);
    const viable = new Map();
    for (const box of radius.viableBoxes.concat(pole.viableBoxes)) viable.set(box.id, box);
    for (const box of viable.values()) {
      L.circleMarker([box.lat, box.lng], { radius: 12, color: "#2e9d4f", weight: 3, fill: false,
                                           interactive: false }).addTo(layers.feasibility);
    }
    if (pole.pole) {
      L.circleMarker([pole.pole.lat, pole.pole.lng], { radius: 6, color: "#6b6b6b", weight: 3,
        fill: false, interactive: false }).addTo(layers.feasibility);
    }
    const ports = (box) => box.splitters.filter((s) => s.availablePorts.length)
      .map((s) => `${OZ.escape(s.name || "splitter")}: ${s.availablePorts.join(", ")}`).join("<br>");
    const rows = (boxes, extra) => boxes.map((b) =>
      `<tr data-testid="viable-box" data-box-id="${b.id}"><td>${OZ.escape(b.name)}</td>` +
      `<td>${(extra ? b[extra] : b.distance).toFixed(0)} m</td><td>${ports(b)}</td></tr>`).join("");
    const table = (title, boxes, extra, empty) => `<h3>${title}</h3>` + (boxes.length
      ? `<table><tr><th>box</th><th>${extra ? "drop" : "distance"}</th><th>free ports</th></tr>${rows(boxes, extra)}</table>`
      : `<p class="muted">${empty}</p>`);
    const communities = condo.horizontalCondominiums.map((c) =>
      `<li>${OZ.escape(c.name)}: ${c.viable ? `${c.availablePorts} free ports` : "no free port"}</li>`).join("");
    const buildings = condo.buildings.map((b) =>
      `<li>${OZ.escape(b.name)}: ${b.availablePorts} free ports (${b.distance.toFixed(0)} m)</li>`).join("");
    details.innerHTML = `<h2>Feasibility</h2>
      <p data-testid="feasibility" data-lat="${radius.lat}" data-lng="${radius.lng}"
         data-viable-boxes="${radius.viableBoxes.length}"
         data-pole-boxes="${pole.viableBoxes.length}" data-radius="${radius.radius}">
        ${lat.toFixed(5)}, ${lng.toFixed(5)} — <strong>${radius.viable || pole.viable || condo.viable
          ? "viable" : "not viable"}</strong></p>
      ${table(`By radius (${radius.radius} m)`, radius.viableBoxes, null, "no box with a free port in the radius")}
      ${table(`By pole${pole.pole ? ` (from ${OZ.escape(pole.pole.name)})` : ""}`, pole.viableBoxes, "dropLength",
              pole.pole ? "no box reachable along the poles" : "no usable pole within reach")}
      <h3>Condominiums</h3>${buildings || communities
        ? `<ul>${buildings}${communities}</ul>` : '<p class="muted">no building or gated community here</p>'}`;
    details.dataset.state = "done";
  });

  // ---- a client's optical path -------------------------------------------------------
  async function showPath(propertyId) {
    const details = $("details");
    details.dataset.state = "loading";
    layers.path.clearLayers();
    layers.feasibility.clearLayers();
    let path;
    try {
      path = await api(`/map/properties/${propertyId}/path`);
    } catch (err) {
      fail(err, "Optical path");
      return;
    }
    for (const step of path.steps) {
      if (step.type === "cable") {
        L.polyline(step.coords.map((p) => [p[1], p[0]]), { color: "#8e24aa", weight: 5, opacity: 0.85,
          interactive: false }).addTo(layers.path);
      } else if (step.coords) {
        L.circleMarker([step.coords[1], step.coords[0]], { radius: 6, color: "#8e24aa", weight: 2,
          fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(layers.path);
      }
    }
    const drawnPath = L.featureGroup(layers.path.getLayers());
    if (drawnPath.getLayers().length) map.fitBounds(drawnPath.getBounds(), { padding: [40, 40], maxZoom: 18 });
    const client = path.client || {};
    const rows = path.steps.map((s) => `<tr><td>${s.type}</td><td>${OZ.escape(s.name)}` +
      `${s.port ? ` · port ${s.port}` : ""}${s.box ? ` · ${OZ.escape(s.box.name)}` : ""}</td>` +
      `<td>${s.loss.toFixed(2)}</td><td>${s.power.toFixed(2)}</td></tr>`).join("");
    const read = path.potencyRead, calc = path.potencyCalculated;
    details.innerHTML = `<h2>Optical path</h2>
      <p>${OZ.escape(client.name)} · code ${OZ.escape(client.code)} ·
         ${client.implanted ? (client.status === 1 ? "ERROR" : "OK") : "reservation"}</p>
      <p class="muted">${OZ.escape(path.property.address)}</p>
      <div class="powers" data-testid="optical-path" data-steps="${path.steps.length}"
           data-potency-calculated="${calc ?? ""}" data-potency-read="${read ?? ""}">
        <div><span>calculated</span><strong>${OZ.dbm(calc)}</strong></div>
        <div><span>read</span><strong>${OZ.dbm(read)}</strong></div>
        <div><span>difference</span><strong>${path.difference === null ? "–" : `${path.difference.toFixed(2)} dB`}</strong></div>
      </div>
      ${path.steps.length ? `<table><tr><th></th><th>element</th><th>loss dB</th><th>power dBm</th></tr>${rows}</table>`
        : '<p class="muted">No PON lights this client\'s drop.</p>'}`;
    details.dataset.state = "done";
  }

  // ---- the live panel ----------------------------------------------------------------
  const sources = {
    clock: { path: "/__ozsim/clock", show: (d) => { $("clock").textContent = `${d.now}${d.frozen ? " (frozen)" : ""}`; } },
    journal: { path: "/__ozsim/requests?limit=15", show: (d) => listInto($("journal"),
      rowsOf(d, ["requests", "items", "entries"]).filter((r) => !String(r.path || r.url || "").startsWith("/__ozsim")),
      journalLine) },
    jobs: { path: "/__ozsim/jobs", show: (d) => listInto($("jobs"), rowsOf(d, ["jobs"]), jobLine) },
  };

  function rowsOf(data, names) {
    if (Array.isArray(data)) return data;
    for (const n of names) if (data && Array.isArray(data[n])) return data[n];
    return [];
  }

  function listInto(list, rows, line) {
    list.innerHTML = rows.length ? rows.slice(0, 15).map((r) => `<li>${line(r)}</li>`).join("")
      : '<li class="muted">nothing yet</li>';
  }

  function journalLine(r) {
    const status = r.status ?? (r.response && r.response.status);
    return `<code>${OZ.escape(r.method || "")} ${OZ.escape(r.path || r.url || "")}</code> ` +
      `${OZ.escape(status ?? "")}${r.ms !== undefined ? ` · ${OZ.escape(r.ms)} ms` : ""}`;
  }

  function jobLine(j) {
    const last = (j.log || [])[0];
    return `<strong>${OZ.escape(j.name)}</strong> · ${OZ.escape(j.runs)} runs` +
      (last ? ` · last ${OZ.escape(last.at)} ${last.ok ? "ok" : `failed: ${OZ.escape(last.error)}`}` : "") +
      (j.nextRun ? ` · next ${OZ.escape(j.nextRun)}` : "");
  }

  async function poll() {
    for (const [name, source] of Object.entries(sources)) {
      if (source.gone) continue;
      try {
        source.show(await api(source.path));
      } catch (err) {
        if (err.status === 404) {           // not in this build: say so once, stop asking
          source.gone = true;
          const target = name === "clock" ? $("clock") : $(name);
          target.innerHTML = '<li class="muted">not available in this simulator</li>';
          target.dataset.available = "false";
        }
      }
    }
  }

  let polling = null;
  function live() {
    if (polling) return;
    poll();
    polling = setInterval(() => { if (!document.hidden && key) poll(); }, 3000);
  }

  start();
})();
