// The VS Code extension for modelcheck spec files: starts the language server
// (`modelcheck lsp`, configurable with modelcheck.server.command) for diagnostics, hover,
// definitions, references, rename, completion, outline and quick fixes, and adds the
// command "modelcheck: Check this spec", which saves the spec, runs `modelcheck check` on it
// (modelcheck.check.command) and shows the output in the "modelcheck" output channel.
// With modelcheck.check.openViewer it also passes --html and opens the HTML trace viewer.
"use strict";
const vscode = require("vscode");
const childProcess = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { LanguageClient } = require("vscode-languageclient/node");
const { checkCommand, describeExit } = require("./check-command");

let client = null;

function startClient() {
  const command = vscode.workspace.getConfiguration("modelcheck").get("server.command");
  const serverOptions = { command: command[0], args: command.slice(1) };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "modelcheck" }, { scheme: "untitled", language: "modelcheck" }],
  };
  client = new LanguageClient("modelcheck", "modelcheck language server", serverOptions, clientOptions);
  client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `modelcheck: could not start the language server (${command.join(" ")}): ${err.message}. ` +
      "Install modelcheck with its lsp extra (pip install 'modelcheck[lsp]') or set modelcheck.server.command.");
  });
}

async function checkSpec(channel) {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "modelcheck") {
    vscode.window.showWarningMessage("modelcheck: open a .spec file to check it");
    return;
  }
  const doc = editor.document;
  if (doc.isUntitled) {
    vscode.window.showWarningMessage("modelcheck: save the spec to a file first");
    return;
  }
  if (doc.isDirty && !(await doc.save())) {
    return;
  }
  const config = vscode.workspace.getConfiguration("modelcheck");
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const cwd = folder ? folder.uri.fsPath : path.dirname(doc.uri.fsPath);
  const html = path.join(os.tmpdir(), `modelcheck-${path.basename(doc.uri.fsPath, ".spec")}-${process.pid}.html`);
  fs.rmSync(html, { force: true });  // open only what this run writes
  let run;
  try {
    run = checkCommand(config.get("check.command"), { file: doc.uri.fsPath, html, workspaceFolder: cwd },
                       config.get("check.openViewer"));
  } catch (err) {
    vscode.window.showErrorMessage(`modelcheck: ${err.message}`);
    return;
  }
  channel.clear();
  channel.show(true);
  channel.appendLine(`$ ${[run.program, ...run.args].join(" ")}`);
  const proc = childProcess.spawn(run.program, run.args, { cwd });
  proc.stdout.on("data", (data) => channel.append(data.toString()));
  proc.stderr.on("data", (data) => channel.append(data.toString()));
  proc.on("error", (err) => {
    channel.appendLine(`could not run ${run.program}: ${err.message}`);
    vscode.window.showErrorMessage(`modelcheck: could not run ${run.program}; set modelcheck.check.command`);
  });
  proc.on("close", (code, signal) => {
    const outcome = describeExit(code, signal);
    channel.appendLine(`[${outcome}]`);
    if (run.html && fs.existsSync(run.html)) {
      vscode.env.openExternal(vscode.Uri.file(run.html));
    }
    const show = code === 0 ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    show(`modelcheck: ${path.basename(doc.uri.fsPath)}: ${outcome}`);
  });
}

function activate(context) {
  const channel = vscode.window.createOutputChannel("modelcheck");
  context.subscriptions.push(channel);
  context.subscriptions.push(vscode.commands.registerCommand("modelcheck.checkSpec", () => checkSpec(channel)));
  context.subscriptions.push(vscode.commands.registerCommand("modelcheck.restartServer", async () => {
    if (client) await client.stop();
    startClient();
  }));
  startClient();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
