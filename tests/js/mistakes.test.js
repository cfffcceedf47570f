// The page's named mistakes (qgenAccept.mistake) against qgen grade's verdicts, on vectors that
// tests/test_page_mistakes.py writes (QGEN_MISTAKE_VECTORS names the file): one name (or null) each.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const qgenAccept = require(path.join(__dirname, "..", "..", "templates", "html", "accept.js"));

const vectors = JSON.parse(fs.readFileSync(process.env.QGEN_MISTAKE_VECTORS, "utf8"));

test("vectors were given, named and not", () => {
  assert.ok(vectors.filter((v) => v.named).length > 20 && vectors.filter((v) => !v.named).length > 20);
});

test("every name is qgen grade's", () => {
  const wrong = vectors.filter((v) => qgenAccept.mistake(v.entries, v.mistakes, v.texts) !== v.named);
  assert.deepStrictEqual(wrong.slice(0, 3), [], `${wrong.length} of ${vectors.length} differ`);
});
