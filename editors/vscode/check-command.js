// The command line of "Check this spec", without VS Code: tested by test/check-command.test.js.
"use strict";

/**
 * The program and arguments to run for a spec file.
 * template: the setting modelcheck.check.command, e.g. ["modelcheck", "check", "${file}"];
 * values: {file, html, workspaceFolder}; openViewer: the setting modelcheck.check.openViewer.
 * With openViewer, "--html ${html}" is added unless the template names ${html} already:
 * this is the hook for the HTML trace viewer (`modelcheck check FILE --html OUT`).
 */
function checkCommand(template, values, openViewer) {
  if (!Array.isArray(template) || template.length === 0 || !template.every((a) => typeof a === "string")) {
    throw new Error("modelcheck.check.command must be a non-empty list of strings, e.g. [\"modelcheck\", \"check\", \"${file}\"]");
  }
  let args = template.slice();
  const namesHtml = args.some((a) => a.includes("${html}"));
  if (openViewer && !namesHtml) {
    args = args.concat(["--html", "${html}"]);
  }
  const substituted = args.map((a) => a.replace(/\$\{(file|html|workspaceFolder)\}/g, (_, name) => values[name]));
  return { program: substituted[0], args: substituted.slice(1), html: openViewer || namesHtml ? values.html : null };
}

/** What modelcheck's exit code means (README: exit codes). */
function describeExit(code, signal) {
  if (signal) return `stopped by signal ${signal}`;
  return {
    0: "every invariant holds",
    1: "an invariant is violated or a deadlock was reached (the trace is above)",
    2: "bad input: the message above names file:line:col",
    3: "stopped by a limit (--max-states, --max-depth, --timeout or --memory) before the end",
    130: "interrupted",
  }[code] || `exit code ${code}`;
}

module.exports = { checkCommand, describeExit };
