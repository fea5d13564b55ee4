// The department studio's editor: the proof follows the form (debounced), and the
// questions can be added, removed and reordered. Without JavaScript the form still
// saves; only the live proof and the question buttons need it.
(function () {
  "use strict";
  const form = document.getElementById("department-form");
  if (!form) return;
  const words = document.querySelector("[data-words]").dataset;
  const status = document.querySelector("[data-proof-status]");
  const spreads = document.querySelector("[data-proof-spreads]");
  const problems = document.querySelector("[data-proof-problems]");
  const pageCount = document.querySelector("[data-page-count]");
  const dirty = document.querySelector("[data-dirty]");
  const list = form.querySelector("[data-questions]");
  const counter = form.querySelector("[data-question-count]");
  const maxQuestions = Number(form.dataset.maxQuestions);
  const csrf = form.querySelector("input[name=csrf]").value;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
  let timer = null;
  let inFlight = null;
  let again = false;
  let latest = 0;

  function countQuestions() {
    const filled = [...list.querySelectorAll("input[name=question]")]
      .filter((input) => input.value.trim()).length;
    counter.textContent = fill(words.count, { count: filled, limit: maxQuestions });
    counter.classList.toggle("full", filled >= maxQuestions);
    counter.classList.toggle("over", filled > maxQuestions);
    form.querySelector("[data-add-question]").disabled =
      list.children.length >= maxQuestions;
  }

  function showProblems(byField) {
    form.querySelectorAll("[data-live-error]").forEach((el) => el.remove());
    form.querySelectorAll("[aria-invalid=true][data-live]").forEach((el) => {
      el.removeAttribute("aria-invalid"); el.removeAttribute("data-live");
    });
    problems.textContent = "";
    for (const [field, messages] of Object.entries(byField || {})) {
      let input = null;
      if (field.startsWith("notes.")) input = form.querySelector(`[name="note:${CSS.escape(field.slice(6))}"]`);
      else if (field.startsWith("questions[")) {
        const n = Number(field.slice(10, -1));
        input = list.querySelectorAll("input[name=question]")[n - 1] || null;
      } else input = form.querySelector(`[name="${CSS.escape(field)}"]`);
      const p = document.createElement("p");
      p.className = "field-error";
      p.dataset.liveError = field;
      p.textContent = messages.join(" ");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.dataset.live = "1";
        input.insertAdjacentElement("afterend", p);
      } else problems.appendChild(p);
    }
  }

  function showPages(data) {
    spreads.textContent = "";
    data.spreads.forEach((pair, row) => {
      const spread = document.createElement("div");
      spread.className = "spread" + (pair.includes(null) ? " single" : "");
      pair.forEach((src, side) => {
        const figure = document.createElement("figure");
        figure.className = "page " + (side ? "right" : "left");
        if (!src) { figure.classList.add("empty"); spread.appendChild(figure); return; }
        const n = row === 0 ? 1 : row * 2 + side;
        const sheet = document.createElement("div");
        sheet.className = "sheet";
        const img = document.createElement("img");
        img.src = src + "?w=480";
        img.srcset = `${src}?w=480 480w, ${src}?w=800 800w, ${src}?w=1280 1280w`;
        img.sizes = "(min-width: 1500px) 330px, 22vw";
        // The page's text is its alternative text: the proof can be read aloud too.
        img.alt = fill(words.page, { n }) + ": " + (data.texts[n - 1] || "");
        img.dataset.page = n;
        sheet.appendChild(img);
        const caption = document.createElement("figcaption");
        caption.textContent = fill(words.page, { n });
        figure.append(sheet, caption);
        spread.appendChild(figure);
      });
      spreads.appendChild(spread);
    });
    const base = Number(pageCount.dataset.basePages);
    pageCount.textContent = fill(data.pages > base ? words.grown : words.pages,
      { pages: data.pages, base });
    pageCount.classList.toggle("over", data.pages > base);
  }

  // How full the leaflet is, as the proof measured it (web/fullness.py): the share
  // of the reflection page the questions take, the note lines left, the pages of
  // the most the plan allows.
  function showRoom(fullness) {
    const room = document.querySelector("[data-reflection-room]");
    const ceiling = document.querySelector("[data-ceiling-room]");
    if (!fullness) { room.hidden = true; ceiling.hidden = true; return; }
    if (fullness.percent === null || fullness.percent === undefined) room.hidden = true;
    else {
      room.hidden = false;
      const meter = room.querySelector("meter");
      meter.value = fullness.percent;
      const text = room.querySelector("[data-reflection-text]");
      text.textContent = fill(fullness.lines ? words.room : words.roomFull, fullness);
      text.classList.toggle("full", !fullness.lines);
      room.dataset.lines = fullness.lines;
      room.dataset.percent = fullness.percent;
    }
    if (!fullness.ceiling) ceiling.hidden = true;
    else {
      ceiling.hidden = false;
      const meter = ceiling.querySelector("meter");
      meter.max = fullness.ceiling;
      meter.high = fullness.ceiling - 1;
      meter.value = fullness.pages;
      const text = ceiling.querySelector("[data-ceiling-text]");
      text.textContent = fill(words.ceiling, fullness);
      text.classList.toggle("full", fullness.pages >= fullness.ceiling);
    }
  }

  async function preview() {
    if (inFlight) { again = true; return; }
    const mine = ++latest;
    status.textContent = words.building;
    status.className = "proof-status building";
    inFlight = fetch(form.dataset.preview, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
    }).then(async (response) => {
      const data = await response.json().catch(() => ({ status: "failed", problems: {} }));
      if (mine !== latest || data.status === "superseded") return;
      if (data.status === "ok") {
        showPages(data);
        showRoom(data.fullness);
        showProblems(data.problems);
        status.textContent = words.ok;
        status.className = "proof-status ok";
        status.dataset.proofToken = data.token;
      } else if (data.status === "limited") {
        status.textContent = words.limited;
        status.className = "proof-status building";
        again = true;
      } else {
        showProblems(data.problems);
        if (data.message && !Object.keys(data.problems || {}).length) {
          const p = document.createElement("p");
          p.className = "field-error";
          p.textContent = data.message;
          problems.appendChild(p);
        }
        status.textContent = words.failed;
        status.className = "proof-status failed";
      }
    }).catch(() => {
      status.textContent = words.failed;
      status.className = "proof-status failed";
    }).finally(() => {
      inFlight = null;
      if (again) { again = false; schedule(800); }
    });
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(preview, delay);
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-role-picker]")) return;  // chooses, changes nothing
    dirty.hidden = false;
    countQuestions();
    schedule(700);
  });
  form.addEventListener("submit", () => { dirty.hidden = true; });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const item = button.closest("li.question");
    if (button.matches("[data-add-question]")) {
      if (list.children.length >= maxQuestions) return;
      const fresh = document.getElementById("question-template").content
        .firstElementChild.cloneNode(true);
      list.appendChild(fresh);
      fresh.querySelector("input").focus();
    } else if (item && button.matches("[data-remove]")) {
      if (list.children.length > 1) item.remove();
      else item.querySelector("input").value = "";
    } else if (item && button.dataset.move === "up" && item.previousElementSibling) {
      item.parentNode.insertBefore(item, item.previousElementSibling);
    } else if (item && button.dataset.move === "down" && item.nextElementSibling) {
      item.parentNode.insertBefore(item.nextElementSibling, item);
    } else return;
    list.querySelectorAll("input[name=question]").forEach((input, i) => {
      input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+/, i + 1));
    });
    dirty.hidden = false;
    countQuestions();
    schedule(300);
  });
  document.querySelector("[data-role-picker]").addEventListener("change", (event) => {
    if (dirty.hidden) {
      window.location.assign(form.getAttribute("action") + "?role=" +
                             encodeURIComponent(event.target.value));
      return;
    }
    // Unsaved text: the whole form goes along (every role's notes), so the editor
    // for the other role comes back with it; nothing is saved.
    clearTimeout(timer);
    form.querySelector("input[name=role]").value = event.target.value;
    form.action = form.dataset.show;
    form.submit();
  });
  countQuestions();
  preview();
})();
