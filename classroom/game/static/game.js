// Shared helpers of the game's pages: JSON calls and messages. No external libraries.
"use strict";

async function api(method, path, body, headers) {
  const opts = { method, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}) };
  if (body !== undefined) opts.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    return { ok: false, status: 0, data: { error: "connection lost: retrying" } };
  }
  let data = {};
  try { data = await res.json(); } catch (e) { data = { error: "unexpected answer from the server" }; }
  return { ok: res.ok, status: res.status, data };
}

function $(id) { return document.getElementById(id); }

function say(id, text, cls) {
  const el = $(id);
  el.textContent = text || "";
  el.className = cls || "error";
}

function money(x) { return x === null || x === undefined ? "–" : Number(x).toFixed(2); }
function pct(x) { return x === null || x === undefined ? "–" : (100 * Number(x)).toFixed(0) + "%"; }

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function roomCode() {
  const parts = location.pathname.split("/").filter(Boolean);
  return parts.length ? decodeURIComponent(parts[parts.length - 1]).toUpperCase() : "";
}
