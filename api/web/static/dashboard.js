"use strict";
// Draws the dashboard from the KPI report (the same figures as GET /api/v1/kpis) with plotly.js,
// which the app serves from the installed plotly package. Every word shown comes from the page
// (#dashboard-text), numbers and dates are written the way the page's language writes them.

const TEXT = JSON.parse(document.getElementById("dashboard-text").textContent);
const LANG = document.documentElement.lang || "en";
const COLORS = ["#2457d6", "#1c7c43"];
const GRID = "#dde3ea";
const HEIGHT = 280;
const RATE_AXIS = { tickformat: ".0%", range: [0, 1.15], tickvals: [0, 0.25, 0.5, 0.75, 1] };
// NPS on the right lines up with CSAT on the left (−100 at 0 %, 0 at 50 %, 100 at 100 %), with
// room under −100 for the label of a bar that reaches down to it.
const CSAT_AXIS = { ...RATE_AXIS, range: [-0.075, 1.15] };
const NPS_AXIS = { range: [-115, 130], tickvals: [-100, -50, 0, 50, 100] };
// Resolution times are in hours; a chart speaks in the largest unit that keeps its biggest
// figure at two or more (so anything under two hours is in minutes).
const PER_HOUR = { second: 3600, minute: 60, hour: 1, day: 1 / 24 };
// The report keeps hours to 4 decimals (0.36 s); no unit shows more than that holds.
const DECIMALS = { second: 0, minute: 2, hour: 4, day: 4 };
// What each CSV button exports: the figures last drawn, by chart (and "agents").
const chartFigures = {};

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
const numbers = (options) => new Intl.NumberFormat(LANG, options);
const PERCENT = numbers({ style: "percent", maximumFractionDigits: 1 });
const SIGNED = numbers({ signDisplay: "exceptZero", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const SCORE = numbers({ signDisplay: "exceptZero", maximumFractionDigits: 1 });
const COUNT = numbers({ maximumFractionDigits: 0 });
const orDash = (format) => (v) => (v == null ? "—" : format(v));
const percent = orDash((v) => PERCENT.format(v));
const score = orDash((v) => SCORE.format(v));
const signed = orDash((v) => SIGNED.format(v));

function separators() {
  const parts = numbers({}).formatToParts(12345.6);
  const part = (type, fallback) => (parts.find((p) => p.type === type) || { value: fallback }).value;
  return part("decimal", ".") + part("group", ",");
}

function unitFor(largestHours) {
  if (Math.round(largestHours * 3600) < 120) return "second";
  if (largestHours < 2) return "minute";
  if (largestHours < 48) return "hour";
  return "day";
}

function inUnit(hours, unit) {
  return hours == null ? null : Number((hours * PER_HOUR[unit]).toFixed(DECIMALS[unit]));
}

function duration(hours, unit) {
  if (hours == null) return "—";
  const chosen = unit || unitFor(hours);
  const format = numbers({ style: "unit", unit: chosen, unitDisplay: "long", maximumFractionDigits: Math.min(2, DECIMALS[chosen]) });
  return format.format(hours * PER_HOUR[chosen]);
}

function periodLabel(groupBy, key) {
  if (!key) return TEXT.unassigned;
  const [year, month, day] = key.split("-").map(Number);
  const moment = Date.UTC(year, month - 1, day || 1);
  if (groupBy === "month") {
    return new Intl.DateTimeFormat(LANG, { year: "numeric", month: "short", timeZone: "UTC" }).format(moment);
  }
  const date = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeZone: "UTC" }).format(moment);
  return groupBy === "week" ? fill(TEXT.week_of, { date }) : date;
}

function trace(series, index, labels, single) {
  const common = {
    name: series.name,
    x: labels,
    y: series.values,
    yaxis: series.axis || "y",
    text: series.values.map(series.format),
    hovertemplate: `${series.name}: %{text}<extra></extra>`,
    marker: { color: COLORS[index] },
    cliponaxis: false,
  };
  if (single) {
    return { ...common, type: "bar", offsetgroup: String(index), texttemplate: "%{text}", textposition: "outside", width: 0.3 };
  }
  // The second series differs in dash and marker too, for readers who cannot tell the colours apart.
  const look = index ? { dash: "dot", symbol: "diamond", size: 9 } : { dash: "solid", symbol: "circle", size: 7 };
  return {
    ...common,
    type: "scatter",
    mode: "lines+markers",
    line: { color: COLORS[index], width: 2.5, dash: look.dash },
    marker: { color: COLORS[index], size: look.size, symbol: look.symbol },
  };
}

function axis(extra) {
  const { title, color, ...rest } = extra;
  const settings = { automargin: true, fixedrange: true, gridcolor: GRID, zerolinecolor: "#b8c2cf", ...rest };
  if (title) settings.title = { text: title, font: { color: color || "#1d2330" }, standoff: 10 };
  return settings;
}

function layout(series, axes, count, width) {
  const settings = {
    height: HEIGHT,
    separators: separators(),
    font: { family: getComputedStyle(document.body).fontFamily, size: 12, color: "#1d2330" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    margin: { t: series.length > 1 ? 36 : 16, r: 8, b: 8, l: 8 },
    showlegend: series.length > 1,
    legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
    hovermode: "x unified",
    dragmode: false,
    barmode: "group",
    // Half a period of room either side keeps the first and last labels inside the chart.
    // At most one date label per 36 px, so labels turned upright on a phone never overlap.
    xaxis: axis({
      type: "category",
      tickangle: "auto",
      nticks: Math.max(2, Math.floor(width / 36)),
      showgrid: false,
      range: [-0.5, count - 0.5],
      ticklabelstandoff: 4,
    }),
    yaxis: axis(axes.y),
  };
  if (axes.y2) settings.yaxis2 = axis({ overlaying: "y", side: "right", showgrid: false, ...axes.y2 });
  return settings;
}

function describe(id, labels, series) {
  const table = document.getElementById(`chart-${id}-table`);
  const head = document.createElement("tr");
  for (const name of [TEXT.period, ...series.map((s) => s.name)]) head.appendChild(cell("th", name));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...labels.map((label, i) => {
    const row = document.createElement("tr");
    row.appendChild(cell("th", label));
    for (const s of series) row.appendChild(cell("td", s.format(s.values[i])));
    return row;
  }));
}

function cell(tag, text, heading) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (heading) node.dataset.label = heading;
  return node;
}

function draw(id, report, series, axes) {
  const labels = report.rows.map((row) => periodLabel(report.group_by, row.key));
  const plot = document.getElementById(`chart-${id}`);
  const hasData = series.some((s) => s.values.some((v) => v != null));
  plot.hidden = !hasData;
  document.getElementById(`chart-${id}-empty`).hidden = hasData;
  for (const button of document.querySelectorAll(`[data-chart="${id}"]`)) button.disabled = !hasData;
  describe(id, labels, series);
  chartFigures[id] = {
    header: [TEXT.period, ...series.map((s) => s.csvName || s.name)],
    rows: report.rows.map((row, i) => [row.key, ...series.map((s) => (s.csvValue ? s.csvValue(s.values[i]) : s.values[i]))]),
    name: `callsight-${id}-${report.group_by}`,
  };
  if (!hasData) {
    Plotly.purge(plot);
    return;
  }
  const single = labels.length === 1;
  const traces = series.map((s, i) => trace(s, i, labels, single));
  Plotly.react(plot, traces, layout(series, axes, labels.length, plot.clientWidth), { responsive: true, displayModeBar: false });
}

function drawCharts(report) {
  const pick = (name) => report.rows.map((row) => row[name]);
  const rate = (name, label) => ({ name: label, values: pick(name), format: percent, csvName: `${label} (%)`, csvValue: hundredths });
  draw("fcr", report, [rate("fcr_rate", TEXT.fcr)], { y: RATE_AXIS });
  draw("repeat", report, [rate("repeat_contact_rate", TEXT.repeat)], { y: RATE_AXIS });
  const times = [...pick("resolution_time_median_h"), ...pick("resolution_time_p90_h")].filter((v) => v != null);
  const unit = unitFor(Math.max(0, ...times));
  const time = (name, label) => ({
    name: label,
    values: pick(name).map((v) => inUnit(v, unit)),
    format: (v) => (v == null ? "—" : duration(v / PER_HOUR[unit], unit)),
    csvName: `${label} (${TEXT.units[unit]})`,
  });
  const largest = Math.max(0, ...times.map((v) => inUnit(v, unit)));
  draw("resolution", report, [time("resolution_time_median_h", TEXT.median), time("resolution_time_p90_h", TEXT.p90)], {
    y: { title: TEXT.units[unit], range: [0, (largest || 1) * 1.2], rangemode: "tozero" },
  });
  const csat = { ...rate("csat", TEXT.csat), axis: "y" };
  const nps = { name: TEXT.nps, values: pick("nps"), format: score, axis: "y2", csvName: TEXT.nps };
  draw("satisfaction", report, [csat, nps], {
    y: { ...CSAT_AXIS, title: TEXT.csat_axis, color: COLORS[0] },
    y2: { ...NPS_AXIS, title: TEXT.nps_axis, color: COLORS[1] },
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
    [TEXT.contacts, COUNT.format(sum("contacts"))],
    [TEXT.cases, COUNT.format(sum("cases"))],
    [TEXT.fcr, percent(weighted("fcr_rate", "resolved_cases"))],
    [TEXT.repeat, percent(weighted("repeat_contact_rate", "contacts"))],
    [TEXT.csat, percent(weighted("csat", "surveys"))],
    [TEXT.nps, score(weighted("nps", "surveys"))],
  ];
}

function showTotals(rows) {
  const box = document.getElementById("kpi-totals");
  box.replaceChildren(...totals(rows).map(([label, value]) => {
    const tile = document.createElement("div");
    tile.className = "kpi";
    tile.append(cell("div", value), cell("div", label));
    tile.firstChild.className = "value";
    tile.lastChild.className = "label";
    return tile;
  }));
}

// Each column of the agents' table: heading, the figure shown, the figure in the CSV and its unit.
const AGENT_COLUMNS = [
  [TEXT.agent, (row) => row.label || row.key || TEXT.unassigned, (row) => row.label || row.key || TEXT.unassigned],
  [TEXT.contacts, (row) => COUNT.format(row.contacts), (row) => row.contacts],
  [TEXT.fcr, (row) => percent(row.fcr_rate), (row) => hundredths(row.fcr_rate), "%"],
  [TEXT.resolution_median, (row) => duration(row.resolution_time_median_h), (row) => inUnit(row.resolution_time_median_h, "minute"), TEXT.units.minute],
  [TEXT.aht, (row) => duration(row.aht_s == null ? null : row.aht_s / 3600), (row) => row.aht_s, TEXT.units.second],
  [TEXT.csat, (row) => percent(row.csat), (row) => hundredths(row.csat), "%"],
  [TEXT.talk_ratio, (row) => percent(row.talk_ratio), (row) => hundredths(row.talk_ratio), "%"],
  [TEXT.sentiment_change, (row) => signed(row.sentiment_change), (row) => row.sentiment_change],
];
const AGENT_CSV_HEADER = AGENT_COLUMNS.map(([heading, , , unit]) => (unit ? `${heading} (${unit})` : heading));

function hundredths(share) {
  return share == null ? null : Number((share * 100).toFixed(2));
}

function showAgents(report) {
  const body = document.querySelector("#agent-table tbody");
  body.replaceChildren(...report.rows.map((row) => {
    const tr = document.createElement("tr");
    for (const [heading, show] of AGENT_COLUMNS) tr.appendChild(cell("td", show(row), heading));
    return tr;
  }));
  chartFigures.agents = {
    header: AGENT_CSV_HEADER,
    rows: report.rows.map((row) => AGENT_COLUMNS.map(([, , raw]) => raw(row))),
    name: "callsight-agents",
  };
}

function csvField(value) {
  if (value == null) return "";
  if (typeof value === "number") return String(value);
  // Text a spreadsheet would run as a formula is kept as text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

function csv(table) {
  return [table.header, ...table.rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function save(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function exportChart(button) {
  const id = button.dataset.chart;
  const table = chartFigures[id];
  if (!table) return;
  if (button.dataset.export === "csv") {
    // The byte-order mark lets spreadsheets read the file as UTF-8 (names in Japanese).
    save(`${table.name}.csv`, new Blob(["\ufeff", csv(table)], { type: "text/csv;charset=utf-8" }));
    return;
  }
  const plot = document.getElementById(`chart-${id}`);
  Plotly.downloadImage(plot, { format: "png", filename: table.name, width: plot.clientWidth, height: HEIGHT, scale: 2 });
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
  status.textContent = TEXT.loading;
  status.className = "muted";
  status.dataset.state = "loading";
  try {
    const [trend, agents] = await Promise.all([report(form.elements.period.value, form), report("agent", form)]);
    drawCharts(trend);
    showTotals(agents.rows);
    showAgents(agents);
    status.textContent = fill(TEXT.summary, {
      count: COUNT.format(trend.rows.length),
      period: form.elements.period.selectedOptions[0].textContent,
      timezone: trend.timezone,
      days: COUNT.format(trend.window_days),
    });
    status.dataset.state = "drawn";
  } catch (error) {
    status.textContent = fill(TEXT.failed, { error: error.message });
    status.className = "error";
    status.dataset.state = "failed";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("dashboard-filters");
  form.addEventListener("submit", (event) => { event.preventDefault(); refresh(form); });
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-export]");
    if (button) exportChart(button);
  });
  refresh(form);
});
