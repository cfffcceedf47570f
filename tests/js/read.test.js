// The page's reader of typed numbers (templates/html/read.js) on the shared vectors
// (tests/number_reading_vectors.json, also read by qgen grade's Python reader): the same exact
// value or the same refusal for every text. The page has no decimal-comma option: vectors with
// decimal_comma true are not its to pass.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const qgenRead = require(path.join(__dirname, "..", "..", "templates", "html", "read.js"));

const file = path.join(__dirname, "..", "number_reading_vectors.json");
const cases = JSON.parse(fs.readFileSync(file, "utf8")).cases.filter((c) => !c.decimal_comma);

test("the vectors were read", () => {
  assert.ok(cases.length >= 20, `only ${cases.length} vectors`);
});

test("every text reads as the vectors say", () => {
  const wrong = [];
  for (const c of cases) {
    const r = qgenRead.read(c.text);
    const got = { value: qgenRead.valueText(r), refused: r.refused || null };
    if (got.value !== c.value || got.refused !== c.refused) wrong.push({ text: c.text, want: [c.value, c.refused], got });
  }
  assert.deepStrictEqual(wrong, [], `${wrong.length} of ${cases.length} differ`);
});

test("every refusal says how to write the number", () => {
  for (const c of cases.filter((c) => c.refused)) {
    const r = qgenRead.read(c.text);
    assert.match(r.message, /write|one number|at most|denominator/i, c.text);
  }
});
