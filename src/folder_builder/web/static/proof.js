// The proof view, live: follow the view's build state over server-sent events,
// put in the changing part of the page when a build finishes, and keep every page
// image whose address did not change (only changed pages are fetched again).
"use strict";
(() => {
  const proof = document.getElementById("proof");
  if (!proof) return;
  const key = proof.dataset.view;
  const query = proof.dataset.query ? "?" + proof.dataset.query : "";
  let shown = currentBuild();

  function currentBuild() {
    const status = document.getElementById("build-status");
    return status ? status.dataset.build + ":" + status.dataset.buildId : "";
  }

  // The changing part of the page: carried by the event of a finished build, else
  // fetched (a page that missed a build).
  async function refresh(part) {
    if (part === undefined) {
      const response = await fetch(`/proof/${key}${query}`, { cache: "no-store" });
      if (!response.ok) return;
      part = await response.text();
    }
    const next = document.createElement("div");
    next.innerHTML = part;
    // Keep the loaded <img> of every page whose image address is the same.
    const old = new Map();
    for (const img of proof.querySelectorAll("img[data-page]")) old.set(img.getAttribute("src"), img);
    for (const img of next.querySelectorAll("img[data-page]")) {
      const same = old.get(img.getAttribute("src"));
      if (same) { img.replaceWith(same); old.delete(img.getAttribute("src")); }
    }
    proof.replaceChildren(...next.childNodes);
    shown = currentBuild();
  }

  // A build has started: say so where the status is, without fetching the page part
  // again (that would take the server and the browser away from the build).
  function showBuilding(state) {
    const status = document.getElementById("build-status");
    if (!status || !proof.dataset.building || status.dataset.build === "failed") return false;
    const spinner = document.createElement("span");
    spinner.className = "spinner";
    spinner.setAttribute("aria-hidden", "true");
    status.className = "status building";
    status.dataset.build = "building";
    status.dataset.buildId = String(state.build_id);
    status.replaceChildren(spinner, proof.dataset.building);
    shown = currentBuild();
    return true;
  }

  let pending = Promise.resolve();
  const events = new EventSource(`/events/${key}${query}`);
  events.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    if (`${state.status}:${state.build_id}` === shown) return;
    if (state.status === "building" && showBuilding(state)) return;
    pending = pending.then(() => refresh(state.part)).catch(() => {});
  });

  // Options: a change of variant or page box is another address; the lines are
  // drawn over the images, so they are switched here and kept in the address.
  const form = document.querySelector("form.toolbar");
  if (form) {
    form.addEventListener("change", (event) => {
      const input = event.target;
      if (input.name === "trimbox" || input.name === "safe") {
        proof.classList.toggle(input.name === "safe" ? "show-safe" : "show-trim", input.checked);
        const url = new URL(location.href);
        if (input.checked) url.searchParams.set(input.name, "1"); else url.searchParams.delete(input.name);
        history.replaceState(null, "", url);
        return;
      }
      form.requestSubmit();
    });
    form.addEventListener("submit", (event) => {
      // Send only what differs from the defaults, so addresses stay short.
      event.preventDefault();
      const data = new FormData(form);
      const url = new URL(form.action, location.href);
      for (const [name, value] of data) {
        if ((name === "variant" && value === "print") || (name === "box" && value === "trim")) continue;
        if (name === "box" && data.get("variant") === "screen") continue;
        url.searchParams.set(name, value);
      }
      location.assign(url);
    });
  }

  // A click on a page shows it large; a click or Esc closes it.
  const zoom = document.getElementById("zoom");
  const zoomed = zoom.querySelector("img");
  proof.addEventListener("click", (event) => {
    const img = event.target.closest("img[data-page]");
    if (!img) return;
    zoomed.srcset = img.dataset.zoom;
    zoomed.alt = img.alt;
    zoomed.dataset.zoomPage = img.dataset.page;
    zoom.showModal();
  });
  zoom.addEventListener("click", () => zoom.close());
})();
