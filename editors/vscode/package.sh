#!/usr/bin/env bash
# Package the VS Code extension as editors/vscode/modelcheck-VERSION.vsix, with its one
# dependency (vscode-languageclient, locked in package-lock.json) inside. Needs node and npm;
# vsce, the packager VS Code's documentation names, is fetched from the npm registry by npx.
# Install the result with: code --install-extension editors/vscode/modelcheck-VERSION.vsix
set -euo pipefail
cd "$(dirname "$0")"
npm ci --omit=dev --no-audit --no-fund
version=$(node -p "require('./package.json').version")
npx --yes @vscode/vsce@3.9.1 package --skip-license --allow-missing-repository --out "modelcheck-$version.vsix"
echo "wrote editors/vscode/modelcheck-$version.vsix"
