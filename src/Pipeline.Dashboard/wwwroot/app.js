// The dashboard: reads the Api, listens to /api/stream (local) or polls (Function App). All data is put into the
// page with textContent, never as markup, so device ids, labels and rule text always show as text.
(function () {
  "use strict";
  const body = document.body;
  const live = body.dataset.live;
  const pollEvery = Math.max(1000, Number(body.dataset.poll) || 15000);
  const code = new URLSearchParams(location.search).get("code");
  const pageSize = 100;
  const state = { offset: 0, matched: 0, device: null, alerts: [], health: null, lastHealth: null, refreshTimer: 0, charts: [] };
  const $ = (id) => document.getElementById(id);
  // The chart library (51 KB) is loaded when a device is first opened, so it is not on the fleet's first render.
  const chartsSrc = document.currentScript && document.currentScript.dataset.charts;
  let chartLibrary = null;
  function loadCharts() {
    if (typeof uPlot !== "undefined") return Promise.resolve();
    if (!chartLibrary) {
      chartLibrary = new Promise((resolve) => {
        const s = document.createElement("script");
        s.src = chartsSrc;
        s.onload = resolve;
        s.onerror = () => { chartLibrary = null; resolve(); };
        document.head.append(s);
      });
    }
    return chartLibrary;
  }

  function api(path, params) {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(params || {})) { if (v !== "" && v != null) url.searchParams.set(k, v); }
    if (code) url.searchParams.set("code", code);
    // No custom headers: the page preloads the fleet's first page (index.html), and a fetch with headers would not reuse it.
    return fetch(url).then(async (r) => {
      const json = await r.json().catch(() => null);
      if (!r.ok) {
        const e = new Error((json && json.error) || ("The server answered " + r.status + "."));
        e.status = r.status;
        throw e;
      }
      return json;
    });
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function showError(message) {
    const box = $("error");
    box.hidden = !message;
    box.textContent = message || "";
  }

  function setConnection(ok, text) {
    const c = $("conn");
    c.textContent = text;
    c.className = "conn " + (ok ? "live" : "down");
  }

  const fmtNum = (n) => (n == null ? "–" : Number(n).toLocaleString("en-US"));
  const fmtVal = (n) => (n == null ? "–" : Math.abs(n) >= 100 ? n.toFixed(1) : n.toPrecision(3));
  function fmtAge(ms) {
    if (!(ms >= 0)) return "–";
    const s = Math.round(ms / 1000);
    if (s < 90) return s + "s";
    if (s < 5400) return Math.round(s / 60) + "m";
    return (s / 3600).toFixed(1) + "h";
  }
  const fmtTime = (t) => (t ? new Date(t).toISOString().replace("T", " ").slice(0, 19) : "–");
  const serverNow = () => (state.health && state.health.now ? Date.parse(state.health.now) : Date.now());
  const lower = (s) => String(s || "").toLowerCase();

  // Health strip ----------------------------------------------------------------------------------------------
  function renderHealth(h) {
    const prev = state.lastHealth;
    state.health = h;
    const t = h.totals || {};
    if (prev && prev.totals && h.now && prev.now) {
      const dt = (Date.parse(h.now) - Date.parse(prev.now)) / 1000;
      if (dt > 0) $("h-rate").textContent = fmtNum(Math.round((t.received - prev.totals.received) / dt));
    }
    state.lastHealth = h;
    $("h-received").textContent = fmtNum(t.received);
    $("h-late").textContent = fmtNum(t.late);
    $("h-duplicates").textContent = fmtNum(t.duplicates);
    $("h-dead").textContent = fmtNum(t.deadLettered);
    $("h-outbox").textContent = fmtNum(t.outboxWaiting);
    $("h-rules").textContent = h.rulesVersion || "–";
    $("h-lag").textContent = h.now && h.latestEventTime ? fmtAge(Date.parse(h.now) - Date.parse(h.latestEventTime)) : "–";
    // Health rules over the pipeline's own metrics: the firing ones by name, with their value and threshold.
    const checks = h.checks || null;
    const firing = checks ? checks.filter((c) => c.firing) : [];
    $("h-checks").textContent = !checks ? "–" : firing.length === 0 ? "all clear (" + checks.length + ")"
      : firing.map((c) => c.rule + " " + fmtNum(c.value) + " > " + fmtNum(c.threshold)).join(", ");
    $("h-checks").className = firing.length > 0 ? "s-warning" : "";
  }

  // Fleet ------------------------------------------------------------------------------------------------------
  function fleetParams() {
    const f = new FormData($("fleet-filters"));
    return { status: f.get("status"), site: f.get("site"), deviceType: f.get("deviceType"), q: f.get("q"), offset: state.offset, limit: pageSize };
  }

  function fillSelect(select, values) {
    const current = select.value;
    const have = new Set(Array.from(select.options, (o) => o.value));
    for (const v of values) { if (!have.has(v)) { const o = el("option", v); o.value = v; select.append(o); } }
    select.value = current;
  }

  function statusBadge(d) {
    const cls = d.status === "firing" ? "s-" + lower(d.severity) : "s-" + d.status;
    const text = d.status === "firing" ? "firing · " + lower(d.severity) + (d.firing > 1 ? " ×" + d.firing : "") : d.status;
    return el("span", text, "badge " + cls);
  }

  function deviceLink(id) {
    const b = el("button", id, "link");
    b.type = "button";
    b.dataset.device = id;
    b.title = id;
    return b;
  }

  // One fleet request at a time: a reload asked for while one is on its way runs once it is answered, so the first
  // render never shares the server with a second listing of the fleet, and answers are shown in the order asked.
  let fleetLoading = null, fleetAgain = false;
  function loadFleet() {
    if (fleetLoading) { fleetAgain = true; return fleetLoading; }
    fleetLoading = fetchFleet().finally(() => {
      fleetLoading = null;
      if (fleetAgain) { fleetAgain = false; loadFleet().catch(report); }
    });
    return fleetLoading;
  }

  async function fetchFleet() {
    const r = await api("/api/devices", fleetParams());
    state.matched = r.matched;
    const rows = document.createDocumentFragment();
    for (const d of r.devices) {
      d.status = lower(d.status);
      const tr = el("tr");
      const td = el("td"); td.append(deviceLink(d.id)); tr.append(td);
      const st = el("td"); st.append(statusBadge(d)); tr.append(st);
      tr.append(el("td", d.lastSeen ? fmtAge(serverNowForEvents() - Date.parse(d.lastSeen)) + " ago" : "never"));
      tr.append(el("td", d.labels.site || ""));
      tr.append(el("td", d.labels.deviceType || ""));
      tr.dataset.status = d.status;
      rows.append(tr);
    }
    $("fleet-rows").replaceChildren(rows);
    const s = r.byStatus;
    $("fleet-counts").textContent = r.total + " devices: " + s.firing + " firing, " + s.pending + " pending, " + s.silent + " silent, " + s.ok + " ok";
    const form = $("fleet-filters");
    fillSelect(form.elements.site, r.labelValues.site || []);
    fillSelect(form.elements.deviceType, r.labelValues.deviceType || []);
    const last = Math.min(r.offset + r.devices.length, r.matched);
    $("page-text").textContent = r.matched === 0 ? "no devices match" : (r.offset + 1) + "–" + last + " of " + r.matched;
    $("prev").disabled = r.offset === 0;
    $("next").disabled = last >= r.matched;
    state.fleetLoadedAt = Date.now();
    if (!state.fleetShown) { state.fleetShown = true; performance.mark("fleet-rendered"); }
  }

  // Ages of devices are in event time: measure them against the newest event, not the browser's clock.
  const serverNowForEvents = () => (state.health && state.health.latestEventTime ? Date.parse(state.health.latestEventTime) : serverNow());

  // Alerts -----------------------------------------------------------------------------------------------------
  async function loadFiring() {
    const r = await api("/api/alerts", { status: "firing", max: 1000 });
    const rows = document.createDocumentFragment();
    const rank = { critical: 3, error: 2, warning: 1, info: 0 };
    const firing = r.alerts.filter((a) => lower(a.data.status) === "firing")
      .sort((a, b) => (rank[lower(b.data.severity)] - rank[lower(a.data.severity)]) || (Date.parse(a.data.startsAt) - Date.parse(b.data.startsAt)));
    for (const a of firing.slice(0, 200)) {
      const d = a.data;
      const tr = el("tr");
      const td = el("td"); td.append(deviceLink(d.key)); tr.append(td);
      tr.append(el("td", d.ruleId));
      const sv = el("td"); sv.append(el("span", lower(d.severity), "badge s-" + lower(d.severity))); tr.append(sv);
      tr.append(el("td", fmtAge(serverNowForEvents() - Date.parse(d.startsAt))));
      tr.append(el("td", fmtVal(d.value)));
      const th = el("td", d.condition + " (" + d.conditionSource + ")");
      th.title = d.condition + " from " + d.conditionSource;
      tr.append(th);
      rows.append(tr);
    }
    $("firing-rows").replaceChildren(rows);
    $("firing-count").textContent = "(" + firing.length + ")";
  }

  async function loadTimeline() {
    const r = await api("/api/alerts", { status: "all", max: 500 });
    state.alerts = r.alerts;
    fillSelect($("timeline-filters").elements.rule, Array.from(new Set(r.alerts.map((a) => a.data.ruleId))).sort());
    renderTimeline();
  }

  function renderTimeline() {
    const f = new FormData($("timeline-filters"));
    const rule = f.get("rule"), severity = f.get("severity"), device = lower(f.get("device"));
    const list = document.createDocumentFragment();
    let shown = 0;
    for (const a of state.alerts) {
      const d = a.data;
      if ((rule && d.ruleId !== rule) || (severity && lower(d.severity) !== severity) || (device && !lower(d.key).includes(device))) continue;
      const li = el("li");
      li.append(el("time", fmtTime(a.time)));
      li.append(el("span", lower(d.transition), "badge s-" + (lower(d.transition) === "resolved" ? "ok" : lower(d.severity))));
      li.append(deviceLink(d.key));
      li.append(el("span", d.ruleId + " " + d.condition + (d.value != null ? " = " + fmtVal(d.value) : "")));
      list.append(li);
      if (++shown >= 300) break;
    }
    $("timeline").replaceChildren(list);
  }

  function onAlert(a) {
    state.alerts.unshift(a);
    if (state.alerts.length > 500) state.alerts.length = 500;
    fillSelect($("timeline-filters").elements.rule, [a.data.ruleId]);
    renderTimeline();
    scheduleRefresh();
  }

  // Refreshes after alerts arrive are coalesced: a burst of transitions costs one reload of each view.
  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = 0;
      refreshViews().catch(report);
    }, 500);
  }

  async function refreshViews() {
    await Promise.all([loadFleet(), loadFiring(), state.device ? loadDevice(state.device) : null]);
  }

  // Device ------------------------------------------------------------------------------------------------------
  function openDevice(id) {
    state.device = id;
    const url = new URL(location.href);
    url.searchParams.set("device", id);
    history.pushState(null, "", url);
    showDevice().catch(report);
  }

  function closeDevice() {
    state.device = null;
    const url = new URL(location.href);
    url.searchParams.delete("device");
    history.pushState(null, "", url);
    showDevice().catch(report);
  }

  async function showDevice() {
    const id = state.device;
    $("device").hidden = !id;
    document.querySelector("main").classList.toggle("detail", !!id);
    if (!id) { destroyCharts(); return; }
    $("device-id").textContent = id;
    await loadDevice(id);
    $("device-close").focus();
  }

  function destroyCharts() {
    for (const c of state.charts) c.destroy();
    state.charts = [];
    $("charts").replaceChildren();
  }

  function pairs(target, obj) {
    const frag = document.createDocumentFragment();
    for (const k of Object.keys(obj).sort()) {
      const div = el("div");
      div.append(el("dt", k), el("dd", typeof obj[k] === "number" ? fmtVal(obj[k]) : obj[k]));
      frag.append(div);
    }
    target.replaceChildren(frag);
  }

  async function loadDevice(id) {
    let view, hist;
    try {
      [view, hist] = await Promise.all([api("/api/devices/" + encodeURIComponent(id)), api("/api/devices/" + encodeURIComponent(id) + "/history"), loadCharts()]);
    } catch (e) {
      if (e.status === 404) { showError("No device " + JSON.stringify(id) + " has been seen."); return; }
      throw e;
    }
    if (state.device !== id) return;
    pairs($("device-labels"), view.labels || {});
    pairs($("device-values"), view.lastValues || {});
    const alertList = document.createDocumentFragment();
    for (const a of view.alerts || []) {
      if (lower(a.status) === "inactive") continue;
      alertList.append(el("li", a.ruleId + ": " + lower(a.status) + " · " + lower(a.severity) + (a.value != null ? " · value " + fmtVal(a.value) : "") + (a.since ? " · since " + fmtTime(a.since) : "")));
    }
    for (const a of state.alerts.filter((x) => x.data.key === id).slice(0, 10)) {
      alertList.append(el("li", fmtTime(a.time) + " " + lower(a.data.transition) + " " + a.data.ruleId + " " + a.data.condition, "muted"));
    }
    if (!alertList.childNodes.length) alertList.append(el("li", "none", "muted"));
    $("device-alerts").replaceChildren(alertList);
    renderCharts(hist, state.alerts.filter((x) => x.data.key === id));
  }

  function alertSpans(alerts, metric, end) {
    // Each episode from its start to its end (or now, still firing), for rules on this metric's charts.
    const byEpisode = new Map();
    for (const a of alerts) {
      const e = byEpisode.get(a.data.episodeId) || { start: Date.parse(a.data.startsAt) / 1000, end: null };
      if (a.data.endsAt) e.end = Date.parse(a.data.endsAt) / 1000;
      byEpisode.set(a.data.episodeId, e);
    }
    return Array.from(byEpisode.values(), (e) => [e.start, e.end == null ? end : e.end]);
  }

  function renderCharts(hist, alerts) {
    destroyCharts();
    if (typeof uPlot === "undefined") { showError("The chart library did not load."); return; }
    const css = getComputedStyle(document.documentElement);
    const color = (n) => css.getPropertyValue(n).trim();
    const metrics = Object.keys(hist.metrics).sort();
    for (const metric of metrics) {
      const points = hist.metrics[metric];
      // One empty bucket's width of margin on each side, so a lone point and the threshold lines are drawn across.
      const step = points.length > 1 ? (Date.parse(points[1].time) - Date.parse(points[0].time)) / 1000 : 60;
      const inner = points.map((p) => Date.parse(p.time) / 1000);
      const xs = inner.length ? [inner[0] - step, ...inner, inner[inner.length - 1] + step] : [];
      const points1 = { show: true, size: 5 };
      const pad = (values) => (values.length ? [null, ...values, null] : []);
      const lines = hist.thresholds.filter((t) => t.metric === metric);
      const data = [xs, pad(points.map((p) => p.mean)), pad(points.map((p) => p.max))];
      const series = [{}, { label: "mean", stroke: color("--mean"), width: 2, points: points1 }, { label: "max", stroke: color("--max"), width: 1, points: points1 }];
      for (const t of lines) {
        data.push(xs.map(() => t.value));
        series.push({ label: "threshold " + t.ruleId + " " + lower(t.severity) + " " + t.condition + " (" + t.source + ")", stroke: color("--threshold"), dash: [6, 4], width: 1.5, points: { show: false } });
      }
      const ruleIds = new Set(lines.map((t) => t.ruleId));
      const spans = alertSpans(alerts.filter((a) => ruleIds.has(a.data.ruleId)), metric, xs.length ? xs[xs.length - 1] : 0);
      const box = el("figure", null, "chart");
      box.dataset.metric = metric;
      box.dataset.points = String(points.length);
      box.dataset.thresholds = String(lines.length);
      box.append(el("h4", metric));
      $("charts").append(box);
      const width = Math.max(300, box.clientWidth);
      const shade = color("--shade");
      const chart = new uPlot({
        width, height: 220, series,
        axes: [{ stroke: color("--muted"), grid: { stroke: color("--line") } }, { stroke: color("--muted"), grid: { stroke: color("--line") } }],
        scales: { x: { time: true } },
        hooks: {
          drawClear: [(u) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = shade;
            for (const [a, b] of spans) {
              const x0 = u.valToPos(a, "x", true), x1 = u.valToPos(b, "x", true);
              ctx.fillRect(Math.max(x0, u.bbox.left), u.bbox.top, Math.max(2, Math.min(x1, u.bbox.left + u.bbox.width) - Math.max(x0, u.bbox.left)), u.bbox.height);
            }
            ctx.restore();
          }],
        },
      }, data, box);
      state.charts.push(chart);
    }
    if (!metrics.length) $("charts").append(el("p", "No values recorded yet.", "muted"));
  }

  // Live updates ---------------------------------------------------------------------------------------------------
  function report(e) {
    setConnection(false, "Disconnected: retrying");
    showError("Could not read the Api: " + (e && e.message ? e.message : "unknown error") + ". Retrying.");
  }

  function startStream() {
    const src = new EventSource("/api/stream");
    src.onopen = () => {
      if (!state.streamOpened) { state.streamOpened = true; performance.mark("stream-open"); }
      setConnection(true, "Live"); showError(""); refreshViews().then(loadTimeline).catch(report);
    };
    src.onerror = () => setConnection(false, "Disconnected: reconnecting…");
    src.addEventListener("health", (m) => {
      renderHealth(JSON.parse(m.data));
      // New devices and last-seen times: the fleet page is reloaded at most every 5 s, however busy the pipeline.
      if (!fleetLoading && Date.now() - (state.fleetLoadedAt || 0) >= 5000) loadFleet().catch(report);
    });
    src.addEventListener("alert", (m) => onAlert(JSON.parse(m.data)));
    src.addEventListener("resync", () => { loadTimeline().then(refreshViews).catch(report); });
  }

  function startPolling() {
    const poll = async () => {
      try {
        renderHealth(await api("/api/health"));
        await Promise.all([refreshViews(), loadTimeline()]);
        setConnection(true, "Updated " + new Date().toLocaleTimeString("en-GB"));
        showError("");
      } catch (e) { report(e); }
      setTimeout(poll, pollEvery);
    };
    poll();
  }

  // Wiring --------------------------------------------------------------------------------------------------------
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-device]");
    if (b) openDevice(b.dataset.device);
  });
  $("device-close").addEventListener("click", closeDevice);
  $("fleet-filters").addEventListener("input", () => { state.offset = 0; loadFleet().catch(report); });
  $("fleet-filters").addEventListener("submit", (e) => e.preventDefault());
  $("timeline-filters").addEventListener("input", renderTimeline);
  $("timeline-filters").addEventListener("submit", (e) => e.preventDefault());
  $("prev").addEventListener("click", () => { state.offset = Math.max(0, state.offset - pageSize); loadFleet().catch(report); });
  $("next").addEventListener("click", () => { state.offset += pageSize; loadFleet().catch(report); });
  window.addEventListener("popstate", () => { state.device = new URLSearchParams(location.search).get("device"); showDevice().catch(report); });

  const requested = new URLSearchParams(location.search).get("device");
  if (requested) { state.device = requested.slice(0, 200); showDevice().catch(report); }
  if (live === "stream") {
    // The first fleet page does not wait for the stream to connect; the stream's open refreshes it again, so an
    // alert delivered in between is not missed.
    refreshViews().catch(report);
    startStream();
  } else {
    startPolling();
  }
})();
