"use strict";
// Draws the dashboard from the KPI report (the same figures as GET /api/v1/kpis).

const SVG = "http://www.w3.org/2000/svg";
const percent = (v) => (v == null ? "—" : `${Math.round(v * 1000) / 10}%`);
const hours = (v) => (v == null ? "—" : `${Math.round(v * 10) / 10} h`);
const plain = (v, digits = 1) => (v == null ? "—" : `${Math.round(v * 10 ** digits) / 10 ** digits}`);
const seconds = (v) => (v == null ? "—" : `${Math.floor(v / 60)}:${String(Math.round(v % 60)).padStart(2, "0")}`);

function svgElement(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text != null) node.textContent = text;
  return node;
}

function lineChart(svg, labels, series, format) {
  svg.replaceChildren();
  const [width, height, left, bottom, top] = [600, 220, 56, 28, 12];
  const values = series.flatMap((s) => s.values).filter((v) => v != null);
  if (!values.length) {
    svg.appendChild(svgElement("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "empty" }, "No data for these filters"));
    return;
  }
  const low = Math.min(0, ...values);
  const high = Math.max(...values) || 1;
  const x = (i) => left + (labels.length === 1 ? (width - left) / 2 : (i * (width - left - 10)) / (labels.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - (v - low) / (high - low || 1));
  for (const tick of [low, (low + high) / 2, high]) {
    svg.appendChild(svgElement("line", { x1: left, x2: width, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.appendChild(svgElement("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "tick" }, format(tick)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 6));
  labels.forEach((label, i) => {
    if (i % every === 0) svg.appendChild(svgElement("text", { x: x(i), y: height - 8, "text-anchor": "middle", class: "tick" }, label));
  });
  series.forEach((s, index) => {
    const points = s.values.map((v, i) => (v == null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
    svg.appendChild(svgElement("polyline", { points: points.join(" "), class: `series series-${index}` }));
    s.values.forEach((v, i) => {
      if (v == null) return;
      const dot = svgElement("circle", { cx: x(i), cy: y(v), r: 3.5, class: `series-${index}` });
      dot.appendChild(svgElement("title", {}, `${s.name} ${labels[i]}: ${format(v)}`));
      svg.appendChild(dot);
    });
  });
}

function totals(rows) {
  const sum = (name) => rows.reduce((total, row) => total + (row[name] || 0), 0);
  const weighted = (name, weight) => {
    const parts = rows.filter((row) => row[name] != null);
    const w = parts.reduce((total, row) => total + row[weight], 0);
    return w ? parts.reduce((total, row) => total + row[name] * row[weight], 0) / w : null;
  };
  return [
    ["Contacts", sum("contacts")],
    ["Cases", sum("cases")],
    ["FCR", percent(weighted("fcr_rate", "resolved_cases"))],
    ["Repeat contacts", percent(weighted("repeat_contact_rate", "contacts"))],
    ["CSAT", percent(weighted("csat", "surveys"))],
    ["NPS", plain(weighted("nps", "surveys"), 0)],
  ];
}

function showTotals(rows) {
  const box = document.getElementById("kpi-totals");
  box.replaceChildren(...totals(rows).map(([label, value]) => {
    const tile = document.createElement("div");
    tile.className = "kpi";
    tile.innerHTML = '<div class="value"></div><div class="label"></div>';
    tile.querySelector(".value").textContent = value;
    tile.querySelector(".label").textContent = label;
    return tile;
  }));
}

function showAgents(rows) {
  const body = document.querySelector("#agent-table tbody");
  const headings = ["Agent", "Contacts", "FCR", "Resolution (median h)", "AHT", "CSAT", "Talk ratio", "Sentiment change"];
  body.replaceChildren(...rows.map((row) => {
    const cells = [row.label || row.key || "unassigned", row.contacts, percent(row.fcr_rate), hours(row.resolution_time_median_h),
      seconds(row.aht_s), percent(row.csat), percent(row.talk_ratio), plain(row.sentiment_change, 2)];
    const tr = document.createElement("tr");
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.dataset.label = headings[i];
      td.textContent = value;
      tr.appendChild(td);
    });
    return tr;
  }));
}

async function report(groupBy, form) {
  const params = new URLSearchParams({ group_by: groupBy });
  for (const name of ["from", "to", "team", "agent"]) {
    const value = form.elements[name].value;
    if (value) params.set(name, value);
  }
  const response = await fetch(`/dashboard/kpis?${params}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
  return response.json();
}

async function refresh(form) {
  const status = document.getElementById("dashboard-status");
  status.textContent = "Loading…";
  try {
    const [trend, agents] = await Promise.all([report(form.elements.period.value, form), report("agent", form)]);
    const labels = trend.rows.map((row) => row.label || row.key);
    const pick = (name) => trend.rows.map((row) => row[name]);
    lineChart(document.getElementById("chart-fcr"), labels, [{ name: "FCR", values: pick("fcr_rate") }], percent);
    lineChart(document.getElementById("chart-resolution"), labels, [{ name: "Median", values: pick("resolution_time_median_h") }], hours);
    lineChart(document.getElementById("chart-repeat"), labels, [{ name: "Repeat", values: pick("repeat_contact_rate") }], percent);
    lineChart(document.getElementById("chart-csat"), labels, [
      { name: "CSAT", values: pick("csat").map((v) => (v == null ? null : v * 100)) },
      { name: "NPS", values: pick("nps") },
    ], (v) => plain(v, 0));
    showTotals(agents.rows);
    showAgents(agents.rows);
    status.textContent = `${trend.rows.length} ${trend.group_by} period(s), timezone ${trend.timezone}, repeat window ${trend.window_days} days`;
  } catch (error) {
    status.textContent = `Could not load the KPIs: ${error.message}`;
    status.className = "error";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("dashboard-filters");
  form.addEventListener("submit", (event) => { event.preventDefault(); refresh(form); });
  refresh(form);
});
