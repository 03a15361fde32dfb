// Tokenizes spec files with vscode-textmate and vscode-oniguruma (the engine VS Code uses)
// and the grammar in ../syntaxes, and prints one JSON object: for each file given on the
// command line, its tokens line by line as {line, start, end, scopes} (0-based columns in
// UTF-16 units, as the engine counts them). tests/lsp/test_vscode_grammar.py checks them.
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const GRAMMAR = path.join(__dirname, "..", "syntaxes", "modelcheck.tmLanguage.json");

async function main(files) {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => scopeName === "source.modelcheck"
      ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR)
      : null,
  });
  const grammar = await registry.loadGrammar("source.modelcheck");
  const out = {};
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let state = vsctm.INITIAL;
    const tokens = [];
    lines.forEach((text, line) => {
      const result = grammar.tokenizeLine(text, state);
      for (const t of result.tokens) {
        tokens.push({ line, start: t.startIndex, end: Math.min(t.endIndex, text.length), scopes: t.scopes });
      }
      state = result.ruleStack;
    });
    out[file] = tokens;
  }
  process.stdout.write(JSON.stringify(out));
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
