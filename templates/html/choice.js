// A choice answer (a concepts option number, shown as radio buttons): its group reads and writes
// like an answer box, so the page checks, stores and resets it as any box. The group's value is the
// chosen option's number ("" when none); setting a value chooses that option (none when no option has it).
"use strict";
const qgenChoice = (() => {
  const BOXES = "input:not([type=radio]), fieldset.choices";  // what the page checks: boxes and groups

  function asBox(group) {
    const radios = () => [...group.querySelectorAll("input[type=radio]")];
    Object.defineProperty(group, "value", {
      configurable: true,
      get: () => (radios().find((r) => r.checked) || { value: "" }).value,
      set: (v) => { for (const r of radios()) r.checked = r.value === String(v); },
    });
  }

  // The verdict of a choice answer in words; `mistake`: the named mistake the chosen option stands for.
  function verdict(value, right, mistake) {
    if (value === "") return "Nothing to check yet: choose one of the options.";
    if (right) return "\u2713 right";
    return `\u2717 wrong: option ${value} is not the right one.` +
      (mistake ? ` It stands for a named mistake: ${mistake}.` : "");
  }

  return { BOXES, asBox, verdict };
})();
if (typeof module !== "undefined") module.exports = qgenChoice;
