// riskscreen web page: small progressive enhancements. Served as a file (the CSP forbids inline
// script). Every value taken from the page is set with textContent, never as HTML.
"use strict";

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("file");
  const drop = document.getElementById("drop");
  const name = document.getElementById("drop-name");
  const error = document.getElementById("client-error");
  const maxBytes = Number(input.dataset.maxBytes);

  function check() {
    const file = input.files && input.files[0];
    name.textContent = file ? file.name : "";
    error.hidden = true;
    if (file && file.size > maxBytes) {
      error.textContent = file.name + " is larger than the upload limit of " + input.dataset.maxSize +
        "; screen it with the command line (riskscreen screen FILE -o report.xlsx), or split it";
      error.hidden = false;
      return false;
    }
    return true;
  }
  input.addEventListener("change", check);
  ["dragenter", "dragover"].forEach((type) => drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.remove("over");
  }));
  drop.addEventListener("drop", (event) => {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      check();
    }
  });
  form.addEventListener("submit", (event) => {
    if (!check()) event.preventDefault();
  });
}

function setupProgress() {
  const box = document.getElementById("progress");
  if (!box) return;
  const url = box.dataset.statusUrl;
  async function poll() {
    let status;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      status = await response.json();
    } catch (err) {
      setTimeout(poll, 1000);
      return;
    }
    if (status.state === "done") {
      window.location.assign(status.next);
      return;
    }
    document.getElementById("stage-label").textContent = status.label || "";
    if (status.rows !== null && status.rows !== undefined) {
      document.getElementById("rows").textContent = String(status.rows);
    }
    document.getElementById("bar").value = status.step || 0;
    document.querySelectorAll("#stages li").forEach((li, i) => {
      li.classList.toggle("done", i + 1 < status.step);
      li.classList.toggle("current", i + 1 === status.step);
    });
    if (status.state === "failed" || status.state === "gone") {
      document.getElementById("failed-msg").textContent = status.error ||
        "This upload is not here any more; upload the file again.";
      document.getElementById("failed").hidden = false;
      return;
    }
    setTimeout(poll, 300);
  }
  poll();
}

function setupTable() {
  const table = document.getElementById("flagged");
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).filter((r) => r.dataset.tier !== undefined);
  const filters = document.getElementById("filters");
  const nameBox = document.getElementById("filter-name");
  const tierBox = document.getElementById("filter-tier");
  const countryBox = document.getElementById("filter-country");
  const counter = document.getElementById("flagged-count");
  const none = document.getElementById("no-match");
  if (rows.length) filters.hidden = false;

  function apply() {
    const q = nameBox.value.trim().toLowerCase();
    const tier = tierBox.value;
    const country = countryBox.value;
    let shown = 0;
    rows.forEach((r) => {
      const ok = (!q || r.dataset.name.includes(q)) && (!tier || r.dataset.tier === tier) &&
        (!country || r.dataset.country === country);
      r.hidden = !ok;
      if (ok) shown += 1;
    });
    counter.textContent = shown === rows.length ? String(rows.length) : shown + " of " + rows.length;
    none.hidden = shown !== 0 || rows.length === 0;
  }
  [nameBox, tierBox, countryBox].forEach((el) => el.addEventListener("input", apply));

  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach((th, col) => {
    if (!th.dataset.sort) return;
    th.tabIndex = 0;
    const sort = () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const key = (r) => {
        const cell = r.cells[col];
        if (th.dataset.sort === "num") return Number(cell.dataset.value || cell.textContent);
        return cell.textContent.trim().toLowerCase();
      };
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? c : -c;
      });
      rows.forEach((r) => body.appendChild(r));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupUpload();
  setupProgress();
  setupTable();
});
