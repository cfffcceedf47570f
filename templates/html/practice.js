// The practice page: checks answers with qgenAccept (the rule of qgen.answers) and qgenRead (the one
// reading of typed numbers), names the mistakes qgen grade names, reveals the worked solution a step
// at a time, and keeps the student's progress in localStorage. Stored data can never stop the page:
// only readable values are stored, and a store that does not read is dropped with a line saying so.
(() => {
  const page = document.getElementById("page");
  const storeKey = "qgen-practice:" + page.dataset.page;
  const notice = document.getElementById("store-notice");
  const fresh = () => ({ values: {}, checked: {}, steps: {}, rungs: {}, record: {}, pool: {} });
  const RESULTS = ["first", "retry", "hints", "revealed"];

  function say(text) {
    notice.textContent = text;
    notice.hidden = false;
  }

  function isMap(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }

  // The stored state, checked field by field; anything else is dropped with a line saying so.
  function load() {
    let raw = null;
    try { raw = localStorage.getItem(storeKey); } catch (e) { return fresh(); }
    if (raw === null) return fresh();
    try {
      const s = JSON.parse(raw);
      if (!isMap(s) || !isMap(s.values) || !isMap(s.checked) || !isMap(s.steps)) throw new Error("shape");
      for (const field of ["rungs", "record", "pool"]) if (s[field] !== undefined && !isMap(s[field])) throw new Error("shape");
      const out = fresh();
      let dropped = 0;
      for (const [k, v] of Object.entries(s.values)) {
        const r = typeof v === "string" ? qgenRead.read(v) : { refused: "not-a-number" };
        if (r.refused || r.blank) dropped += 1; else out.values[k] = v;
      }
      for (const [k, v] of Object.entries(s.checked)) if (v === true) out.checked[k] = true;
      for (const [k, v] of Object.entries(s.steps)) if (Number.isInteger(v) && v >= 0 && v < 1000) out.steps[k] = v;
      for (const [k, v] of Object.entries(s.rungs || {})) if (Number.isInteger(v) && v >= 0 && v < 10) out.rungs[k] = v;
      for (const [k, v] of Object.entries(s.record || {})) {
        if (isMap(v) && Number.isInteger(v.tries) && v.tries >= 0 && (v.result === undefined || RESULTS.includes(v.result))) {
          out.record[k] = { tries: v.tries, ...(v.result ? { result: v.result } : {}),
                            ...(typeof v.rule === "string" ? { rule: v.rule.slice(0, 200) } : {}) };
        }
      }
      for (const [k, v] of Object.entries(s.pool || {})) if (Number.isInteger(v) && v >= 0 && v < 1000) out.pool[k] = v;
      if (dropped) say(`${dropped} saved answer${dropped > 1 ? "s" : ""} could not be read and ${dropped > 1 ? "were" : "was"} dropped.`);
      return out;
    } catch (e) {
      drop();
      return fresh();
    }
  }

  function drop() {
    try { localStorage.removeItem(storeKey); } catch (e) { /* no storage: nothing to drop */ }
    say("The answers saved for this page could not be read, so they were cleared: the page starts afresh.");
  }

  let state = load();
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode: no memory */ }
  }

  const MARKS = { right: "\u2713 right", wrong: "\u2717 wrong", unreadable: "? unreadable" };

  function entryOf(input, key) {
    return { key: key === undefined ? input.dataset.key : key, atol: input.dataset.atol, rtol: input.dataset.rtol };
  }

  function clearBox(input) {
    input.classList.remove("right", "wrong", "unreadable");
    input.removeAttribute("aria-invalid");
    const mark = document.getElementById(input.id + "-mark");
    mark.textContent = "";
    mark.className = "mark";
    const message = document.getElementById(input.id + "-msg");
    if (message) message.remove();
    input.setAttribute("aria-describedby", input.id + "-mark");
  }

  // One box's verdict: "right", "wrong", "unreadable", or "" when blank; shown by a mark and a word.
  function checkBox(input, form) {
    clearBox(input);
    const r = qgenRead.read(input.value);
    if (r.blank) return "";
    const verdict = r.refused ? "unreadable" : qgenAccept.accepts(entryOf(input), input.value) ? "right" : "wrong";
    input.classList.add(verdict);
    const mark = document.getElementById(input.id + "-mark");
    mark.textContent = MARKS[verdict];
    mark.className = "mark " + verdict;
    if (verdict !== "right") input.setAttribute("aria-invalid", "true");
    if (r.refused) {
      const li = document.createElement("li");
      li.id = input.id + "-msg";
      li.textContent = `${input.getAttribute("aria-label")}: ${r.message}`;
      form.querySelector(".messages").append(li);
      input.setAttribute("aria-describedby", `${input.id}-mark ${li.id}`);
    }
    return verdict;
  }

  // The mistake qgen grade would name for this answer's boxes (qgenAccept.mistake), or null.
  function mistakeOf(form, inputs) {
    if (!form.dataset.mistakes) return null;
    let mistakes;
    try { mistakes = JSON.parse(form.dataset.mistakes); } catch (e) { return null; }
    return qgenAccept.mistake(inputs.map((i) => entryOf(i)), mistakes, inputs.map((i) => i.value));
  }

  function check(form, code, remember) {
    const inputs = [...form.querySelectorAll(qgenChoice.BOXES)];
    const verdicts = inputs.map((input) => checkBox(input, form));
    const right = verdicts.filter((v) => v === "right").length;
    const filled = verdicts.filter((v) => v !== "").length;
    const all = right === inputs.length;
    const out = form.querySelector(".verdict");
    out.className = "verdict " + (all ? "right" : filled ? "wrong" : "");
    if (form.classList.contains("choice")) out.textContent = qgenChoice.verdict(inputs[0].value, all, all ? null : mistakeOf(form, inputs));
    else if (filled === 0) out.textContent = "Nothing to check yet: type a number in each box.";
    else if (all) out.textContent = "\u2713 right";
    else {
      const unreadable = verdicts.filter((v) => v === "unreadable").length;
      const blank = inputs.length - filled;
      const mistake = mistakeOf(form, inputs);
      out.textContent = `\u2717 ${right} of ${inputs.length} right` +
        (unreadable ? `, ${unreadable} unreadable` : "") + (blank ? `, ${blank} blank` : "") +
        (mistake ? `. This looks like a named mistake: ${mistake}.` : "");
    }
    if (remember) {
      const key = code + "/" + form.dataset.answer;
      if (filled) state.checked[key] = true;
      else delete state.checked[key];
      if (filled && readable(verdicts)) record(form, code, all);
      save();
    }
    return all;
  }

  const readable = (verdicts) => verdicts.every((v) => v !== "unreadable");

  // --- the honest practice record: each answer right first time, after retries, after hints, or revealed
  function record(form, code, right) {
    const key = code + "/" + form.dataset.answer;
    const rec = state.record[key] || { tries: 0 };
    rec.rule = form.querySelector(".rule-row").textContent.trim();
    if (!rec.result) {
      rec.tries += 1;
      if (right) {
        const worked = (state.steps[code] || 0) > 0;  // the worked solution shows every answer
        rec.result = worked ? "revealed" : (state.rungs[key] || 0) > 0 ? "hints" : rec.tries === 1 ? "first" : "retry";
      }
    }
    state.record[key] = rec;
  }

  function revealed(form, code) {
    const key = code + "/" + form.dataset.answer;
    const rec = state.record[key] || { tries: 0 };
    if (!rec.result) rec.result = "revealed";
    state.record[key] = rec;
  }

  function summary() {
    const table = document.querySelector("#summary tbody");
    const rows = {}, misses = {};
    for (const section of document.querySelectorAll("section.question")) {
      const kind = section.dataset.kind;
      rows[kind] = rows[kind] || { first: 0, retry: 0, hints: 0, revealed: 0, open: 0 };
      const codes = [...section.querySelectorAll("template.variant")].map((t) => t.dataset.code);
      for (const [key, rec] of Object.entries(state.record)) {  // every variant of the question practised
        if (!codes.includes(key.split("/")[0])) continue;
        if (rec.result) rows[kind][rec.result] += 1;
        if (rec.result !== "first" && rec.rule) {
          const rule = `${kind}: ${rec.rule}`;
          misses[rule] = (misses[rule] || 0) + 1;
        }
      }
      const code = section.dataset.code;
      for (const form of section.querySelectorAll("form.answer")) {
        const rec = state.record[code + "/" + form.dataset.answer];
        if (!rec || !rec.result) rows[kind].open += 1;
      }
    }
    table.replaceChildren(...Object.entries(rows).map(([kind, r]) => {
      const tr = document.createElement("tr");
      for (const text of [kind, r.first, r.retry, r.hints, r.revealed, r.open]) {
        const td = document.createElement("td");
        td.textContent = String(text);
        tr.append(td);
      }
      return tr;
    }));
    const worst = Object.entries(misses).sort((a, b) => b[1] - a[1]).slice(0, 3);
    document.querySelector("#summary .next").textContent = worst.length
      ? "Practise next: " + worst.map(([rule, n]) => `${rule} (${n} answer${n > 1 ? "s" : ""} not right first time)`).join("; ") + "."
      : "Practise next: nothing yet; check some answers and the steps to practise appear here.";
  }

  // --- the hint ladder of one answer: rule, pieces, numbers, solution (the last rung)
  function given(form) {
    const code = form.closest("section.question").dataset.code;
    const rungs = form.querySelectorAll(".rung").length;
    return [...form.querySelectorAll(qgenChoice.BOXES)].every((i) => i.classList.contains("right")) ||
      (state.rungs[code + "/" + form.dataset.answer] || 0) >= rungs;
  }

  function showRungs(form, code, n) {
    const rungs = [...form.querySelectorAll(".rung")];
    n = Math.max(0, Math.min(n, rungs.length));
    rungs.forEach((r, i) => { r.hidden = i >= n; });
    const button = form.querySelector(".hint");
    button.textContent = n >= rungs.length - 1 ? "Show solution" : `Hint ${n + 1} of ${rungs.length - 1}`;
    button.disabled = n >= rungs.length;
    if (n) state.rungs[code + "/" + form.dataset.answer] = n;
    else delete state.rungs[code + "/" + form.dataset.answer];
    if (n >= rungs.length) revealed(form, code);
    return n;
  }

  // A number of an earlier answer shows only once the student has that answer (right, or revealed).
  function unlock(section) {
    for (const li of section.querySelectorAll("li[data-needs]")) {
      const open = given(document.getElementById(li.dataset.needs));
      li.querySelector(".value").hidden = !open;
      li.querySelector(".locked").hidden = open;
    }
  }

  function clearForm(form, code) {
    for (const input of form.querySelectorAll(qgenChoice.BOXES)) clearBox(input);
    const out = form.querySelector(".verdict");
    out.textContent = "";
    out.className = "verdict";
    delete state.checked[code + "/" + form.dataset.answer];
  }

  // The score counts what the boxes show: an answer whose every box shows right.
  function score(section) {
    unlock(section);
    summary();
    const forms = [...section.querySelectorAll("form.answer")];
    const right = forms.filter((f) => [...f.querySelectorAll(qgenChoice.BOXES)].every((i) => i.classList.contains("right"))).length;
    section.querySelector(".score").textContent = `Score: ${right} of ${forms.length} answers right`;
  }

  function showSteps(section, n) {
    const steps = section.querySelectorAll(".step");
    n = Math.max(0, Math.min(n, steps.length));
    steps.forEach((s, i) => { s.hidden = i >= n; });
    section.querySelectorAll(".note").forEach((p) => { p.hidden = n < steps.length; });
    section.querySelector(".step-count").textContent = n ? `Step ${n} of ${steps.length}` : "";
    section.querySelector(".next-step").disabled = n >= steps.length;
    section.querySelector(".show-solution").disabled = n >= steps.length;
    section.querySelector(".hide-solution").hidden = n === 0;
    state.steps[section.dataset.code] = n;
    save();
    return n;
  }

  function setUp(section) {
    const code = section.dataset.code;
    const forms = [...section.querySelectorAll("form.answer")];
    for (const form of forms) {
      form.querySelectorAll("fieldset.choices").forEach(qgenChoice.asBox);
      for (const input of form.querySelectorAll(qgenChoice.BOXES)) {
        const saved = state.values[code + "/" + input.name];
        if (saved !== undefined) input.value = saved;
        input.addEventListener("input", () => {
          const r = qgenRead.read(input.value);
          if (r.refused || r.blank) delete state.values[code + "/" + input.name];  // never store what does not read
          else state.values[code + "/" + input.name] = input.value;
          clearForm(form, code);  // a verdict is about the boxes as they were: it goes when they change
          save();
          score(section);
        });
      }
      const boxes = [...form.querySelectorAll(qgenChoice.BOXES)];
      if (state.checked[code + "/" + form.dataset.answer] && boxes.some((b) => b.value !== "")) check(form, code, false);
      showRungs(form, code, state.rungs[code + "/" + form.dataset.answer] || 0);
      form.querySelector(".hint").addEventListener("click", () => {
        showRungs(form, code, (state.rungs[code + "/" + form.dataset.answer] || 0) + 1);
        save();
        score(section);
      });
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        check(form, code, true);
        score(section);
      });
    }
    section.querySelector(".check-all").addEventListener("click", () => {  // the parts with something typed
      for (const form of forms) {
        if ([...form.querySelectorAll(qgenChoice.BOXES)].some((i) => i.value.trim() !== "")) check(form, code, true);
      }
      score(section);
    });
    section.querySelector(".reset").addEventListener("click", () => {
      for (const form of forms) {
        for (const input of form.querySelectorAll(qgenChoice.BOXES)) {
          input.value = "";
          delete state.values[code + "/" + input.name];
        }
        clearForm(form, code);
        showRungs(form, code, 0);
      }
      showSteps(section, 0);
      score(section);
    });
    section.querySelector(".next-step").addEventListener("click", () => {
      const n = showSteps(section, (state.steps[code] || 0) + 1);
      const step = section.querySelectorAll(".step")[n - 1];
      if (step) step.scrollIntoView({ block: "nearest" });
    });
    section.querySelector(".show-solution").addEventListener("click", () => showSteps(section, Infinity));
    section.querySelector(".hide-solution").addEventListener("click", () => showSteps(section, 0));
    showSteps(section, state.steps[code] || 0);
    score(section);
  }

  // A submit never navigates, whatever else happens on the page (the forms are method="dialog" too).
  document.addEventListener("submit", (event) => event.preventDefault(), true);

  // The page carries each question's variants and its pictures deflated: the browser inflates them.
  async function inflate(base64) {
    const bytes = Uint8Array.from(atob(base64.trim()), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).text();
  }

  async function show(section, j) {
    const variants = section.querySelectorAll("template.variant");
    j = Number.isInteger(j) && j >= 0 && j < variants.length ? j : 0;
    section.querySelector(".variant-body").innerHTML = await inflate(variants[j].content.textContent);
    section.dataset.code = variants[j].dataset.code;
    section.querySelector(".variant-code").textContent = variants[j].dataset.code;
    const left = variants.length - 1 - j;
    section.querySelector(".pool-state").textContent = variants.length < 2 ? "" :
      `Numbers ${j + 1} of ${variants.length}: ` + (left ? `${left} new set${left > 1 ? "s" : ""} left` : "the last set; New numbers starts again");
    if (j) state.pool[section.id] = j; else delete state.pool[section.id];
    try {
      setUp(section);
    } catch (e) {
      // stored data that passed the checks above and still broke the start: dropped, never kept
      drop();
      state = fresh();
    }
  }

  async function start() {
    document.getElementById("sprite").innerHTML = await inflate(document.getElementById("sprite-data").content.textContent);
    for (const section of document.querySelectorAll("section.question")) {
      await show(section, state.pool[section.id] || 0);
      section.querySelector(".new-numbers").addEventListener("click", async () => {
        const count = section.querySelectorAll("template.variant").length;
        await show(section, ((state.pool[section.id] || 0) + 1) % count);
        save();
        summary();
      });
    }
    summary();
    page.dataset.ready = "true";
  }
  start();
})();
