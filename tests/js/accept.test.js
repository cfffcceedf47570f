// The page's acceptance rule against Python's qgen.answers.accepts, on vectors that
// tests/test_accept_js.py writes (QGEN_ACCEPT_VECTORS names the file): one verdict each.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const qgenAccept = require(path.join(__dirname, "..", "..", "templates", "html", "accept.js"));

const vectors = JSON.parse(fs.readFileSync(process.env.QGEN_ACCEPT_VECTORS, "utf8"));

test("vectors were given", () => {
  assert.ok(vectors.length > 100, `only ${vectors.length} vectors`);
});

test("every verdict is Python's", () => {
  const wrong = vectors.filter((v) => qgenAccept.accepts(v.entry, v.text) !== v.accepted);
  assert.deepStrictEqual(wrong.slice(0, 5), [], `${wrong.length} of ${vectors.length} differ`);
});
