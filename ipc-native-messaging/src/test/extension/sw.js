// The real-browser test's extension service worker. It runs the Bitwarden SDK's web build
// (@bitwarden/sdk-internal: its JavaScript bindings and its WebAssembly module) as an IpcClient whose backend is a native messaging port, and plays the scenario that
// RealBrowserNativeMessagingTest checks from the Java side. Everything it learns it reports to the Java
// application in a final typed message ("test.report"); nothing is read back from the browser.
import { init, init_sdk, LogLevel, IpcClient, IpcCommunicationBackend, IncomingMessage, OutgoingMessage,
  ipcRegisterDiscoverHandler, ipcRequestDiscover } from "./sdk/index.js";
import * as bindings from "./sdk/bitwarden_wasm_internal_bg.js";

// The package's bundler entry imports the .wasm file as a module, which a browser cannot do; its index.js takes the
// instantiated module instead. A service worker may not use top-level await, hence the async load inside main().
// (The package's wasm2js fallback, bitwarden_wasm_internal_bg.wasm.js, 26 MB of JavaScript, also loads in a service
// worker without WebAssembly; this test uses the real module, as an extension normally would.)
async function loadSdk() {
  const bytes = await (await fetch(chrome.runtime.getURL("sdk/bitwarden_wasm_internal_bg.wasm"))).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, { "./bitwarden_wasm_internal_bg.js": bindings });
  init(instance.exports);
  // the SDK's log (and a panic's message) goes to the console, which Chromium's log shows
  init_sdk(LogLevel.Info);
}

const GOOD_HOST = "dev.ipc.test.good";
const REFUSED_HOST = "dev.ipc.test.refused";
const APP = "DesktopMain";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(value) {
  return encoder.encode(JSON.stringify(value));
}

// Bitwarden's wrapper on the native port: {type, message: {destination, payload: number[], topic}}
// Resolves `ready` when the host says it relays (a JVM host may take longer to start than the SDK's 2 s
// handshake timeout; a stale handshake answer would then fail the SDK's retry).
function connect(host) {
  const port = chrome.runtime.connectNative(host);
  let markReady;
  const ready = new Promise((resolve, reject) => {
    markReady = resolve;
    port.onDisconnect.addListener(() => reject(new Error("host disconnected: "
      + (chrome.runtime.lastError ? chrome.runtime.lastError.message : "?"))));
  });
  const backend = new IpcCommunicationBackend({
    async send(message) {
      port.postMessage({
        type: "bitwarden-ipc-message",
        message: { destination: message.destination, payload: Array.from(message.payload), topic: message.topic },
      });
    },
  });
  port.onMessage.addListener((msg) => {
    if (msg && msg.type === "native-messaging-ready") {
      markReady();
    } else if (msg && msg.type === "bitwarden-ipc-message") {
      const m = msg.message;
      // the native port is the desktop application, as in Bitwarden's extension
      backend.receive(new IncomingMessage(new Uint8Array(m.payload), m.destination, APP, m.topic ?? undefined));
    }
  });
  return { port, backend, ready };
}

// A subscription reader that hands out messages by topic.
function inbox(subscription) {
  const waiting = new Map();
  const queued = [];
  (async () => {
    for (;;) {
      const message = await subscription.receive();
      const record = { topic: message.topic, payload: JSON.parse(decoder.decode(message.payload)) };
      const waiter = waiting.get(record.topic);
      if (waiter) {
        waiting.delete(record.topic);
        waiter(record.payload);
      } else {
        queued.push(record);
      }
    }
  })();
  return (topic) => {
    const index = queued.findIndex((r) => r.topic === topic);
    if (index >= 0) return Promise.resolve(queued.splice(index, 1)[0].payload);
    return new Promise((resolve) => waiting.set(topic, resolve));
  };
}

function refusedConnection() {
  return new Promise((resolve) => {
    const port = chrome.runtime.connectNative(REFUSED_HOST);
    let notice = null;
    port.onMessage.addListener((msg) => { notice = msg; });
    port.onDisconnect.addListener(() => {
      resolve({ notice, lastError: chrome.runtime.lastError ? chrome.runtime.lastError.message : null });
    });
  });
}

async function main() {
  await loadSdk();
  const report = { sdk: true, errors: [] };
  const { port, backend, ready } = connect(GOOD_HOST);
  await ready;
  const client = IpcClient.newWithSdkInMemorySessions(backend);
  await ipcRegisterDiscoverHandler(client, { version: "test-extension-1.0" });
  await client.start();
  const next = inbox(await client.subscribe());
  try {
    // 1. Discover, extension -> Java
    const discovered = await ipcRequestDiscover(client, APP, AbortSignal.timeout(30000));
    report.discoveredVersion = discovered.version;

    // 2. typed pub/sub: extension -> Java, then Java -> extension
    await client.send(new OutgoingMessage(json({ greeting: "hello from the extension" }), APP, "test.hello"));
    report.echo = await next("test.echo");

    // 3. RPC answered by a Java @IpcRpcHandler (the SDK's wire format, sent through the SDK's client)
    const requestId = crypto.randomUUID();
    await client.send(new OutgoingMessage(json({
      request: { a: 20, b: 22 }, request_id: requestId, request_type: "test.add",
      response_topic: "RpcResponseMessage:" + requestId,
    }), APP, "RpcRequestMessage"));
    report.rpc = await next("RpcResponseMessage:" + requestId);

    // 4. an origin the other host's allow-list does not hold
    report.refused = await refusedConnection();
  } catch (e) {
    report.errors.push(String(e && e.message ? e.message : e));
  }

  // 5. report, wait until Java has it, then close the port: Java must see the peer leave
  await client.send(new OutgoingMessage(json(report), APP, "test.report"));
  await next("test.report-ack");
  port.disconnect();
}

main().catch((e) => {
  // shows in Chromium's log (--enable-logging=stderr), which the Java test prints when it fails
  console.error("test extension failed: " + (e && e.stack ? e.stack : e));
});
