// One reading of typed numbers, the same as qgen grade's (the rule and its shared test vectors:
// tests/number_reading_vectors.json). Every size is bounded as text before any conversion: at most
// 80 characters and an exponent of at most 30, so no BigInt is ever larger than 10^110.
// read(text) -> {blank: true} | {value: {n, d}} | {ln: {n, d}, sign} | {refused: code, message}
"use strict";
const qgenRead = (() => {
  const MAX_LENGTH = 80, MAX_EXPONENT = 30;
  const MESSAGES = {
    "mixed-number": "A mixed number is not read: write 2 1/2 as 5/2 or 2.5.",
    "decimal-comma": "Write a decimal with a point: 0.5, not 0,5.",
    "thousands-separator": "Write a number without separators: 1000, not 1,000 or 1 000.",
    "two-numbers": "One number per box: this box holds two.",
    "exponent-range": "The exponent is out of range: at most 30 either way, such as 1.5e-3.",
    "too-long": "Too long: a number has at most 80 characters.",
    "non-ascii-digit": "Write the digits 0 to 9.",
    "zero-denominator": "A fraction cannot have the denominator 0.",
    "not-a-number": "Not a number: write it as 2, -0.25, -3/4, 1.5e-3 or ln(12/5).",
  };

  function gcd(a, b) {
    a = a < 0n ? -a : a;
    while (b) [a, b] = [b, a % b];
    return a;
  }
  function rat(n, d) {
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d) || 1n;
    return { n: n / g, d: d / g };
  }
  const refuse = (code) => ({ refused: code, message: MESSAGES[code] });

  const FRACTION = /^(\d+\.\d*|\.\d+|\d+)\/(\d+)$/;  // an integer or decimal over an integer (1.5/2)
  const DECIMAL = /^(\d+\.\d*|\.\d+|\d+)(?:[eE]([+-]?)(\d+))?$/;

  // An unsigned integer, decimal (with a bounded exponent) or fraction; null when it is none.
  function unsigned(t) {
    let m = FRACTION.exec(t);
    if (m) {
      const d = BigInt(m[2]);
      if (d === 0n) return refuse("zero-denominator");
      const [whole, places = ""] = m[1].split(".");
      return { value: rat(BigInt((whole || "0") + places), d * 10n ** BigInt(places.length)) };
    }
    m = DECIMAL.exec(t);
    if (!m) return null;
    let exponent = 0;
    if (m[3] !== undefined) {
      const digits = m[3].replace(/^0+/, "");
      if (digits.length > 2 || Number(digits) > MAX_EXPONENT) return refuse("exponent-range");
      exponent = (m[2] === "-" ? -1 : 1) * Number(digits || "0");
    }
    const [whole, fraction = ""] = m[1].split(".");
    const digits = BigInt((whole || "0") + fraction);
    exponent -= fraction.length;
    return { value: exponent >= 0 ? rat(digits * 10n ** BigInt(exponent), 1n)
                                  : rat(digits, 10n ** BigInt(-exponent)) };
  }

  const SIGN = /^[+\-\u2212]/;
  const LN = /^ln\(\s*([^()]*?)\s*\)$/i;

  function read(text) {
    const t = String(text).trim();
    if (t === "") return { blank: true };
    if (t.length > MAX_LENGTH) return refuse("too-long");
    if ([...t].some((c) => /\p{Nd}/u.test(c) && !/[0-9]/.test(c))) return refuse("non-ascii-digit");
    let s = t, negative = false;
    if (SIGN.test(s)) { negative = s[0] !== "+"; s = s.slice(1); }
    const ln = LN.exec(s);
    if (ln) {
      if (SIGN.test(ln[1])) return refuse("not-a-number");
      const arg = read(ln[1]);  // the argument is refused by name as any typed number is
      if (arg.refused) return arg;
      if (!arg.value || arg.value.n <= 0n) return refuse("not-a-number");
      return { ln: arg.value, sign: negative ? -1 : 1 };
    }
    const u = unsigned(s);
    if (u && u.refused) return u;
    if (u) return { value: negative ? rat(-u.value.n, u.value.d) : u.value };
    if (/^\d+\s+\d+\/\d+$/.test(s)) return refuse("mixed-number");
    // 1,000 and 1 000 (also with a no-break or thin space); 0,500 is a decimal comma, not a group
    if (/^[1-9]\d{0,2}(?:(?:,\d{3})+|(?:[ \u00a0\u2009\u202f]\d{3})+)(?:\.\d*)?$/.test(s)) return refuse("thousands-separator");
    if (/^\d*,\d+(?:[eE][+-]?\d+)?$/.test(s)) return refuse("decimal-comma");
    const words = s.split(/\s+/);
    if (words.length > 1 && words.every((w) => { const r = read(w); return !r.refused && !r.blank; })) {
      return refuse("two-numbers");
    }
    return refuse("not-a-number");
  }

  // The exact value as the shared vectors write it: "p/q", "p", "ln(p/q)", "blank", or null.
  function valueText(r) {
    const frac = (x) => (x.d === 1n ? `${x.n}` : `${x.n}/${x.d}`);
    if (r.blank) return "blank";
    if (r.value) return frac(r.value);
    if (r.ln) return `ln(${frac(r.sign < 0 ? { n: r.ln.d, d: r.ln.n } : r.ln)})`;  // -ln(p/q) = ln(q/p)
    return null;
  }

  return { read, valueText, MESSAGES, rat };
})();
if (typeof module !== "undefined") module.exports = qgenRead;
