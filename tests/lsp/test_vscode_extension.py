"""The VS Code extension (editors/vscode): its manifest agrees with its code, the command line of
"Check this spec" (check-command.js, run by node), and the .vsix that package.sh builds."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile

import pytest

from cli.inprocess import modelcheck
from conftest import REPO

VSCODE = REPO / "editors" / "vscode"
MANIFEST = json.loads((VSCODE / "package.json").read_text())
EXTENSION_JS = (VSCODE / "extension.js").read_text()


def test_manifest_files_exist():
    contributes = MANIFEST["contributes"]
    assert (VSCODE / MANIFEST["main"]).is_file()
    (language,) = contributes["languages"]
    assert language["extensions"] == [".spec"]
    assert (VSCODE / language["configuration"]).is_file()
    (grammar,) = contributes["grammars"]
    assert grammar["language"] == language["id"]
    assert json.loads((VSCODE / grammar["path"]).read_text())["scopeName"] == grammar["scopeName"]
    config = json.loads((VSCODE / language["configuration"]).read_text())
    assert config["comments"] == {"lineComment": "//", "blockComment": ["/*", "*/"]}


def test_commands_and_settings_declared_are_the_ones_used():
    declared = {c["command"] for c in MANIFEST["contributes"]["commands"]}
    registered = set(re.findall(r'registerCommand\("([^"]+)"', EXTENSION_JS))
    assert declared == registered == {"modelcheck.checkSpec", "modelcheck.restartServer"}
    settings = set(MANIFEST["contributes"]["configuration"]["properties"])
    read = {"modelcheck." + key for key in re.findall(r'\.get\("([^"]+)"\)', EXTENSION_JS)}
    assert read == settings


def test_default_server_command_is_the_cli_command():
    default = MANIFEST["contributes"]["configuration"]["properties"]["modelcheck.server.command"]["default"]
    assert default == ["modelcheck", "lsp"]
    assert modelcheck("lsp", "--help").returncode == 0


def run_node(script: str):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    run = subprocess.run([node, "-e", script], cwd=VSCODE, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_extension_code_is_valid_javascript():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    for script in ("extension.js", "check-command.js", "test/tokenize.js"):
        run = subprocess.run([node, "--check", str(VSCODE / script)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr


def test_check_command_line():
    out = run_node("""
        const { checkCommand, describeExit } = require("./check-command");
        const values = { file: "/w/specs/paxos.spec", html: "/tmp/paxos.html", workspaceFolder: "/w" };
        const results = [
          checkCommand(["modelcheck", "check", "${file}"], values, false),
          checkCommand(["modelcheck", "check", "${file}", "--max-states", "9"], values, true),
          checkCommand(["python3", "-m", "modelcheck.cli", "check", "${file}", "--html=${html}"], values, true),
          [0, 1, 2, 3, 130, 7].map((c) => describeExit(c, null)),
        ];
        try { checkCommand([], values, false); } catch (e) { results.push(e.message); }
        console.log(JSON.stringify(results));
    """)
    plain, viewer, own_html, exits, error = out
    assert plain == {"program": "modelcheck", "args": ["check", "/w/specs/paxos.spec"], "html": None}
    assert viewer == {"program": "modelcheck", "args": ["check", "/w/specs/paxos.spec", "--max-states", "9",
                                                        "--html", "/tmp/paxos.html"], "html": "/tmp/paxos.html"}
    assert own_html["args"][-1] == "--html=/tmp/paxos.html" and own_html["args"].count("--html") == 0
    assert exits[0] == "every invariant holds" and exits[-1] == "exit code 7"
    assert "must be a non-empty list of strings" in error


@pytest.mark.slow
def test_package_builds_a_vsix():
    if shutil.which("npm") is None or shutil.which("npx") is None:
        pytest.skip("npm is not installed")
    run = subprocess.run(["bash", str(VSCODE / "package.sh")], capture_output=True, text=True, timeout=600)
    if run.returncode != 0 and "ENOTFOUND" in run.stderr + run.stdout:
        pytest.skip("the npm registry cannot be reached")
    assert run.returncode == 0, run.stderr + run.stdout
    vsix = VSCODE / f"modelcheck-{MANIFEST['version']}.vsix"
    names = set(zipfile.ZipFile(vsix).namelist())
    for name in ("[Content_Types].xml", "extension.vsixmanifest", "extension/package.json", "extension/extension.js",
                 "extension/check-command.js", "extension/language-configuration.json",
                 "extension/syntaxes/modelcheck.tmLanguage.json",
                 "extension/node_modules/vscode-languageclient/node.js"):
        assert name in names
    assert not any(n.startswith("extension/test/") for n in names)
