// The client: starts `smartcity-rules lsp` over stdio for every .scs file (docs/editors.md).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("smartcityRules")
    .get("server.command", ["smartcity-rules", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "smartcityRules",
    "Smart-city standards",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "scs" }, { scheme: "untitled", language: "scs" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
