// The acceptance rule of qgen.answers, once in JavaScript: |v - key| <= atol + rtol*|key|,
// in exact rational arithmetic (BigInt), so a correctly rounded answer on the boundary
// (0.13 for 1/8) is never lost to a float rounding error. Keys and tolerances arrive as exact
// "p/q" text from Python (and floats as the decimal they spell, unbounded: at most e±324); a
// student's text is read by qgenRead, the one reading of typed numbers.
"use strict";
if (typeof qgenRead === "undefined" && typeof require !== "undefined") {
  globalThis.qgenRead = require("./read.js");
}
const qgenAccept = (() => {
  function rat(n, d) {
    if (d === 0n) return null;
    if (d < 0n) { n = -n; d = -d; }
    return { n, d };
  }

  // "p/q" (from Python) or a decimal with an optional exponent, read exactly.
  function exact(text) {
    let m = /^([+-]?\d+)\/(\d+)$/.exec(text);
    if (m) return rat(BigInt(m[1]), BigInt(m[2]));
    m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
    if (!m || (m[2] + (m[3] || "")) === "") return null;
    const digits = BigInt((m[2] || "0") + (m[3] || ""));
    const exponent = Number(m[4] || 0) - (m[3] || "").length;
    const sign = m[1] === "-" ? -1n : 1n;
    return exponent >= 0 ? rat(sign * digits * 10n ** BigInt(exponent), 1n)
                         : rat(sign * digits, 10n ** BigInt(-exponent));
  }

  // A float as Python's Fraction(repr(f)): the shortest decimal that spells it.
  function fromFloat(x) {
    return Number.isFinite(x) ? exact(String(x)) : null;
  }

  // What a student typed, read by qgenRead (templates/html/read.js): its exact value, an exact
  // logarithm as its float (as Python's Ln), or null when blank or refused.
  function parse(text) {
    const r = qgenRead.read(text);
    if (r.value) return r.value;
    if (r.ln) return fromFloat(r.sign * (Math.log(Number(r.ln.n)) - Math.log(Number(r.ln.d))));
    return null;
  }

  const abs = (x) => (x < 0n ? -x : x);

  // entry: {key, atol, rtol} as "p/q" text. True, false, or null when the text is no number.
  function accepts(entry, text) {
    const v = parse(text);
    if (v === null) return null;
    const k = exact(entry.key), a = exact(entry.atol), r = exact(entry.rtol);
    // |v.n/v.d - k.n/k.d| <= a.n/a.d + (r.n/r.d)(|k.n|/k.d), all denominators positive
    const lhsN = abs(v.n * k.d - k.n * v.d), lhsD = v.d * k.d;
    const rhsN = a.n * r.d * k.d + r.n * abs(k.n) * a.d, rhsD = a.d * r.d * k.d;
    return lhsN * rhsD <= rhsN * lhsD;
  }

  // The mistake qgen grade names for one answer (qgen.grade.mark._explains): entries [{key, atol, rtol}],
  // its mistakes [{name, keys: a "p/q" per entry, or null where the mistake gives the key}] in
  // grade's order, and the texts typed. The first mistake whose values explain every typed entry
  // (right and wrong alike), differ from the key at every wrong one and are not 0 at all of them;
  // these safeguards look at the mistake's values, never at the typed ones. Else null.
  function mistake(entries, mistakes, texts) {
    const verdicts = texts.map((t, i) => accepts(entries[i], t));
    const typed = verdicts.map((v, i) => i).filter((i) => verdicts[i] !== null);
    const wrong = typed.filter((i) => verdicts[i] === false);
    if (!wrong.length) return null;
    const found = mistakes.find((m) => {
      const at = (i) => ({ ...entries[i], key: m.keys[i] === null ? entries[i].key : m.keys[i] });
      return typed.every((i) => accepts(at(i), texts[i]))
        && wrong.every((i) => accepts(at(i), entries[i].key) === false)
        && wrong.some((i) => exact(at(i).key).n !== 0n);
    });
    return found ? found.name : null;
  }

  return { accepts, parse, mistake };
})();
if (typeof module !== "undefined") module.exports = qgenAccept;
