// The practice page: checks answers with qgenAccept (the rule of qgen.answers), reveals the worked
// solution a step at a time, and keeps the student's progress in localStorage.
(() => {
  const page = document.getElementById("page");
  const storeKey = "qgen-practice:" + page.dataset.page;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  let state = load();  // {values: {q.code/entry: text}, checked: {q.code/answer: true}, steps: {q.code: n}}
  state.values = state.values || {}; state.checked = state.checked || {}; state.steps = state.steps || {};
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode: no memory */ }
  }

  function check(form, code, remember) {
    let right = 0, filled = 0;
    const inputs = form.querySelectorAll("input");
    for (const input of inputs) {
      input.classList.remove("right", "wrong", "unreadable");
      input.removeAttribute("aria-invalid");
      if (input.value.trim() === "") continue;
      filled += 1;
      const verdict = qgenAccept.accepts(
        { key: input.dataset.key, atol: input.dataset.atol, rtol: input.dataset.rtol }, input.value);
      if (verdict) right += 1;
      input.classList.add(verdict === null ? "unreadable" : verdict ? "right" : "wrong");
      if (!verdict) input.setAttribute("aria-invalid", "true");
    }
    const all = right === inputs.length;
    const verdict = form.querySelector(".verdict");
    verdict.className = "verdict " + (all ? "right" : filled ? "wrong" : "");
    verdict.textContent = filled === 0 ? "" : all ? "\u2713 right"
      : `\u2717 ${right} of ${inputs.length} right` +
        (form.querySelector(".unreadable") ? " (write a number such as 2, -0.25 or -3/4)" : "");
    if (remember) {
      state.checked[code + "/" + form.dataset.answer] = all;
      save();
    }
    return all;
  }

  function score(section) {
    const forms = section.querySelectorAll("form.answer");
    const code = section.dataset.code;
    const right = [...forms].filter((f) => state.checked[code + "/" + f.dataset.answer]).length;
    section.querySelector(".score").textContent = `Score: ${right} of ${forms.length} answers right`;
  }

  function showSteps(section, n) {
    const steps = section.querySelectorAll(".step");
    n = Math.max(0, Math.min(n, steps.length));
    steps.forEach((s, i) => { s.hidden = i >= n; });
    section.querySelectorAll(".note").forEach((p) => { p.hidden = n < steps.length; });
    section.querySelector(".step-count").textContent = n ? `Step ${n} of ${steps.length}` : "";
    const next = section.querySelector(".next-step");
    next.disabled = n >= steps.length;
    section.querySelector(".show-solution").disabled = n >= steps.length;
    state.steps[section.dataset.code] = n;
    save();
    return n;
  }

  for (const section of document.querySelectorAll("section.question")) {
    const code = section.dataset.code;
    for (const form of section.querySelectorAll("form.answer")) {
      for (const input of form.querySelectorAll("input")) {
        const saved = state.values[code + "/" + input.name];
        if (saved !== undefined) input.value = saved;
        input.addEventListener("input", () => {
          state.values[code + "/" + input.name] = input.value;
          save();
        });
      }
      if (state.checked[code + "/" + form.dataset.answer] !== undefined) check(form, code, false);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        check(form, code, true);
        score(section);
      });
    }
    section.querySelector(".next-step").addEventListener("click", () => {
      const n = showSteps(section, (state.steps[code] || 0) + 1);
      const step = section.querySelectorAll(".step")[n - 1];
      if (step) step.scrollIntoView({ block: "nearest" });
    });
    section.querySelector(".show-solution").addEventListener("click", () => showSteps(section, Infinity));
    showSteps(section, state.steps[code] || 0);
    score(section);
  }
})();
