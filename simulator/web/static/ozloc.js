// OZloc: feasibility around a client's point or address, a box and a port chosen on the map,
// the reservation returned to the host system (postMessage to the embedding page, and the
// `redirect` URL when one is given). URL parameters as OZmap documents them: lat, lng,
// address, cod_cli, client_name, integration_code, viabilityTags, authorization.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const key = params.get("authorization") || OZ.takeKey();
  const tags = params.get("viabilityTags") || "";
  const client = { code: params.get("cod_cli") || "", name: params.get("client_name") || "",
                   integration: params.get("integration_code") || "" };
  const map = OZ.map($("map"));
  const areas = L.layerGroup().addTo(map);
  const marks = L.layerGroup().addTo(map);
  let point = null;          // {lat, lng, address}
  let choice = null;         // {box, splitter, port}
  let offerSeq = 0;

  const api = (path, options) => OZ.call(key, path, options);

  function tell(message) {
    const targets = [window.parent !== window ? window.parent : null, window.opener].filter(Boolean);
    for (const target of targets) target.postMessage(message, "*");
  }

  function status(text, kind) {
    const el = $("status");
    el.textContent = text;
    el.className = kind || "";
  }

  // A refusal: shown in the page and posted to the host as {type: "ozloc:error", code, message}.
  function refuse(code, message) {
    document.body.dataset.state = "error";
    status(`${message} (${code})`, "error");
    $("status").dataset.code = code;
    tell({ type: "ozloc:error", code, message });
  }

  function fromError(err) { refuse(err.code, err.message); }

  $("client").textContent = [client.code && `cliente ${client.code}`, client.name]
    .filter(Boolean).join(" · ");

  async function start() {
    if (!key) {
      refuse("MISSING_API_KEY", "OZloc precisa da chave de API: parâmetro authorization");
      return;
    }
    try {
      OZ.drawAreas(areas, (await api("/map/overview")).projects);
    } catch (err) { fromError(err); return; }
    const lat = parseFloat(params.get("lat")), lng = parseFloat(params.get("lng"));
    const address = params.get("address") || "";
    $("address").value = address;
    if (Number.isFinite(lat) && Number.isFinite(lng)) {
      await locate({ lat, lng, address });
    } else if (address) {
      await search(address);
    } else {
      document.body.dataset.state = "waiting";
      status("Informe o endereço ou clique no mapa no local do cliente.");
    }
  }

  async function search(text) {
    let found;
    try {
      found = await api(`/map/addresses?${OZ.query({ q: text, limit: 1 })}`);
    } catch (err) { fromError(err); return; }
    if (!found.items.length) {
      refuse("ADDRESS_NOT_FOUND", `Endereço não encontrado na rede: ${text}`);
      return;
    }
    const item = found.items[0];
    $("address").value = item.address;
    await locate({ lat: item.coords[1], lng: item.coords[0], address: item.address });
  }

  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("address").value.trim();
    if (text) search(text);
  });

  map.on("click", (event) => locate({ lat: event.latlng.lat, lng: event.latlng.lng,
                                      address: point ? point.address : "" }));

  async function locate(where) {
    point = where;
    choice = null;
    const seq = ++offerSeq;
    document.body.dataset.state = "loading";
    $("reserve").disabled = true;
    $("ports").innerHTML = "";
    $("boxes").innerHTML = "";
    $("result").innerHTML = "";
    status("Consultando viabilidade…");
    let offer;
    try {
      offer = await api(`/map/feasibility?${OZ.query({ lat: where.lat.toFixed(7),
        lng: where.lng.toFixed(7), radius: params.get("radius"), viabilityTags: tags })}`);
    } catch (err) { if (seq === offerSeq) fromError(err); return; }
    if (seq !== offerSeq) return;
    marks.clearLayers();
    L.circle([where.lat, where.lng], { radius: offer.radius, color: "#1f5fa8", weight: 1.5,
                                       fillOpacity: 0.05, interactive: false }).addTo(marks);
    L.circleMarker([where.lat, where.lng], { radius: 6, color: "#1f5fa8", fillOpacity: 1,
                                             interactive: false }).addTo(marks);
    map.setView([where.lat, where.lng], 17);
    if (!offer.boxes.length) {
      refuse("NO_FEASIBILITY", `Nenhuma caixa com porta livre em ${offer.radius} m` +
             (tags ? ` com as etiquetas ${tags}` : ""));
      return;
    }
    status(`${offer.boxes.length} caixa(s) viável(is) em ${offer.radius} m. Escolha a caixa e a porta.`);
    for (const box of offer.boxes) {
      const li = document.createElement("li");
      li.dataset.testid = "ozloc-box";
      li.dataset.boxId = box.id;
      li.tabIndex = 0;
      li.innerHTML = `<strong>${OZ.escape(box.name)}</strong> · ${box.distance.toFixed(0)} m · ` +
        `${box.availablePorts} porta(s) livre(s) · ${OZ.escape(box.boxType || "")} · ` +
        `${box.implanted ? "implantada" : "não implantada"}`;
      const marker = L.circleMarker([box.coords[1], box.coords[0]], { radius: 8, color: "#1d2733",
        weight: 1.5, fillColor: OZ.BOX_COLOURS.free, fillOpacity: 1, bubblingMouseEvents: false })
        .bindTooltip(OZ.escape(box.name)).addTo(marks);
      const pick = () => pickBox(box, li, marker);
      li.addEventListener("click", pick);
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") pick(); });
      marker.on("click", pick);
      $("boxes").appendChild(li);
    }
    document.body.dataset.state = "offers";
  }

  function pickBox(box, li, marker) {
    for (const other of $("boxes").children) other.classList.toggle("chosen", other === li);
    marks.eachLayer((layer) => layer.setStyle && layer.options.fillColor === "#1f5fa8" &&
                    layer.setStyle({ fillColor: OZ.BOX_COLOURS.free }));
    marker.setStyle({ fillColor: "#1f5fa8" });
    choice = null;
    $("reserve").disabled = true;
    const ports = $("ports");
    ports.innerHTML = "";
    for (const splitter of box.splitters) {
      if (!splitter.availablePorts.length) continue;
      const group = document.createElement("div");
      group.innerHTML = `<span class="muted">${OZ.escape(splitter.name || "splitter")}</span> `;
      for (const port of splitter.availablePorts) {
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.testid = "ozloc-port";
        button.dataset.port = port;
        button.dataset.splitter = splitter.id;
        button.textContent = port;
        button.addEventListener("click", () => {
          for (const b of ports.querySelectorAll("button")) b.classList.toggle("chosen", b === button);
          choice = { box: box.id, splitter: splitter.id, port };
          $("reserve").disabled = false;
        });
        group.appendChild(button);
      }
      ports.appendChild(group);
    }
  }

  $("reserve").addEventListener("click", async () => {
    if (!choice) return;
    $("reserve").disabled = true;
    document.body.dataset.state = "reserving";
    let reservation;
    try {
      reservation = await api("/map/reservations", { method: "POST", body: {
        ...choice, cod_cli: client.code, client_name: client.name || null,
        integration_code: client.integration || null, lat: point.lat, lng: point.lng,
        address: point.address || null,
        ...(tags ? { viabilityTags: tags.split(",") } : {}) } });
    } catch (err) {
      fromError(err);
      $("reserve").disabled = false;
      return;
    }
    document.body.dataset.state = "reserved";
    status(`Porta ${reservation.port} reservada.`, "ok");
    $("result").innerHTML = `<dl data-testid="ozloc-reservation" data-property="${reservation.property}">` +
      Object.entries(reservation).map(([k, v]) => `<dt>${k}</dt><dd>${OZ.escape(v)}</dd>`).join("") + "</dl>";
    tell({ type: "ozloc:reservation", ...reservation });
    const redirect = params.get("redirect");
    if (redirect) {
      let target;
      try { target = new URL(redirect, location.href); } catch (_) { target = null; }
      if (target && (target.protocol === "http:" || target.protocol === "https:")) {
        for (const [k, v] of Object.entries(reservation)) target.searchParams.set(k, v);
        location.assign(target.href);
      }
    }
  });

  start();
})();
