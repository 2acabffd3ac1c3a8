// jobhook inspector: rows arrive by server-sent events; a click shows one delivery.
// Plain DOM, no framework, no build step. Text from the wire only ever goes into
// textContent, never into HTML.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const api = (path, extra = "") => `${path}?token=${encodeURIComponent(token)}${extra}`;
const $ = (selector) => document.querySelector(selector);
const rows = new Map(); // number -> { data, tr }
let selected = null;

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function localTime(iso) {
  const when = new Date(iso);
  return isNaN(when) ? iso : when.toLocaleTimeString([], { hour12: false });
}

function forwardText(forward) {
  if (!forward) return "";
  if (forward.status !== null && ["acknowledged", "rejected"].includes(forward.outcome)) {
    return `${forward.status} in ${forward.elapsed.toFixed(3)} s`;
  }
  return `${forward.outcome.replace(/_/g, " ")} (${forward.reason})`;
}

function verdictCell(data) {
  const cell = el("td", null, `verdict ${data.verdict}`);
  cell.append(el("span", data.verdict));
  const errors = data.violations.filter((v) => v.severity === "error");
  const why = data.verdict === "invalid"
    ? errors.map((v) => `${v.pointer || "/"}: ${v.message}`).join("; ")
    : data.reason;
  if (why) cell.append(el("span", why, "why"));
  return cell;
}

function render(data) {
  const tr = document.createElement("tr");
  tr.dataset.number = data.number;
  tr.dataset.verdict = data.verdict;
  tr.dataset.type = data.type || "";
  tr.dataset.status = data.status || "";
  tr.append(
    el("td", data.number), el("td", localTime(data.time)),
    el("td", `${data.method} ${data.path}`, "mono"), el("td", data.type || "–"),
    el("td", data.status || "–"), el("td", data.id || "–", "mono"),
    el("td", data.http_status), verdictCell(data),
    el("td", data.unknown_fields.join(", ")),
  );
  const forward = el("td", forwardText(data.forward), "forward");
  if (data.forward) forward.classList.add(data.forward.outcome === "acknowledged" ? "fwd-ok" : "fwd-bad");
  tr.append(forward);
  tr.addEventListener("click", () => show(data.number));
  return tr;
}

function applyFilters() {
  const form = new FormData($("#filters"));
  for (const { tr } of rows.values()) {
    tr.hidden = ["verdict", "type", "status"].some(
      (name) => form.get(name) && tr.dataset[name] !== form.get(name));
  }
}

function addRow(data) {
  const tr = render(data);
  rows.set(data.number, { data, tr });
  $("#deliveries tbody").prepend(tr); // newest first
  $("#empty").hidden = true;
  $("#count").textContent = `${rows.size} ${rows.size === 1 ? "delivery" : "deliveries"}`;
  applyFilters();
}

function updateForward(change) {
  const row = rows.get(change.number);
  if (!row) return;
  row.data.forward = change;
  const fresh = render(row.data);
  if (row.tr.classList.contains("selected")) fresh.classList.add("selected");
  row.tr.replaceWith(fresh);
  row.tr = fresh;
  applyFilters();
  if (selected === change.number) show(change.number);
}

function meta(list, pairs) {
  list.replaceChildren();
  for (const [name, value] of pairs) list.append(el("dt", name), el("dd", value));
}

async function show(number) {
  selected = number;
  for (const { tr } of rows.values()) tr.classList.toggle("selected", Number(tr.dataset.number) === number);
  const answer = await fetch(api(`/api/deliveries/${number}`));
  if (!answer.ok) return;
  const data = await answer.json();
  $("#detail").hidden = false;
  $("#detail-title").textContent = `#${data.number} ${data.method} ${data.path}: ${data.verdict}`;
  const timing = [["Received", new Date(data.time).toLocaleString()],
    ["Answered", data.http_status], ["Size", data.size === null ? "–" : `${data.size} bytes`]];
  if (data.forward) timing.push(["Forwarded", `${data.forward.to}: ${forwardText(data.forward)}`]);
  if (data.reason) timing.push(["Reason", data.reason]);
  meta($("#detail-meta"), timing);
  meta($("#headers"), Object.entries(data.headers));
  const body = $("#body");
  body.replaceChildren();
  if (data.raw !== null) body.append(el("span", data.raw, "line"));
  for (const line of data.lines) {
    const span = el("span", line.text, line.marks.length ? "line marked" : "line");
    if (line.pointer !== null) span.dataset.pointer = line.pointer;
    if (line.marks.length) span.append(el("span", `← ${line.marks.join("; ")}`, "note"));
    body.append(span);
  }
  $("#replay").hidden = data.verdict === "refused" || data.verdict === "incomplete";
  $("#replay-outcome").textContent = "";
  $("#curl-text").hidden = true;
}

async function replay(event) {
  event.preventDefault();
  const url = new FormData($("#replay")).get("url");
  $("#replay-outcome").textContent = "sending…";
  const answer = await fetch(`/api/deliveries/${selected}/replay`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Jobhook-Token": token },
    body: JSON.stringify({ url }),
  });
  const data = await answer.json();
  $("#replay-outcome").textContent = answer.ok
    ? `${data.outcome}: ${data.reason} (${data.elapsed.toFixed(3)} s)` : data.error;
}

async function copyCurl() {
  const url = new FormData($("#replay")).get("url");
  const answer = await fetch(api(`/api/deliveries/${selected}/curl`, `&url=${encodeURIComponent(url)}`));
  const text = await answer.text();
  const shown = $("#curl-text");
  shown.textContent = text;
  shown.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    $("#replay-outcome").textContent = "curl command copied (set JOBHOOK_AUTH first)";
  } catch {
    $("#replay-outcome").textContent = "copy the curl command below (set JOBHOOK_AUTH first)";
  }
}

function connect() {
  const events = new EventSource(api("/api/events"));
  events.addEventListener("open", () => {
    $("#connection").textContent = "live";
    $("#connection").className = "online";
  });
  events.addEventListener("error", () => {
    $("#connection").textContent = "disconnected (retrying)";
    $("#connection").className = "offline";
  });
  events.addEventListener("delivery", (event) => {
    const data = JSON.parse(event.data);
    const known = rows.get(data.number);
    if (!known) addRow(data);
    else if (data.forward && !known.data.forward) updateForward({ number: data.number, ...data.forward });
  });
  events.addEventListener("forward", (event) => updateForward(JSON.parse(event.data)));
  events.addEventListener("reset", () => {
    events.close();
    rows.clear();
    $("#deliveries tbody").replaceChildren();
    connect();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("#download").href = api("/api/deliveries.ndjson");
  fetch(api("/api/config")).then((answer) => answer.json()).then((config) => {
    const input = $("#replay input[name=url]");
    if (!input.value) input.value = config.replay_to; // the --forward-to URL, if any
  });
  $("#filters").addEventListener("change", applyFilters);
  $("#replay").addEventListener("submit", replay);
  $("#curl").addEventListener("click", copyCurl);
  connect();
});
