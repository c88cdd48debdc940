#!/usr/bin/env node
// sdk-peer.mjs: runs ONE real Bitwarden SDK IpcClient (Noise provider, SDK in-memory sessions,
// from the npm package @bitwarden/sdk-internal, Node build) and bridges its
// IpcCommunicationBackend to the parent process over stdin/stdout.
//
// Framing: every frame is a 4-byte big-endian unsigned length followed by that many bytes of
// UTF-8 JSON (one object). stdout carries ONLY frames; every log line (ours or the SDK's) goes
// to stderr. The exact protocol is documented in README.md (section "Bridge protocol").

import util from "node:util";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

// ---------------------------------------------------------------------------------------------
// 1. Protect stdout before anything else can write to it (the SDK's tracing output uses
//    console.debug/info/warn/error, which Node's console would print to stdout for debug/info).
// ---------------------------------------------------------------------------------------------
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);
for (const method of ["log", "info", "warn", "error", "debug", "trace", "dir"]) {
  console[method] = (...args) => {
    process.stderr.write(util.format(...args) + "\n");
  };
}

const log = (...args) => process.stderr.write(`[sdk-peer ${process.pid}] ${util.format(...args)}\n`);

const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const INBOX_LIMIT = 10_000;
const SDK_PACKAGE = "@bitwarden/sdk-internal";

// Loaded after the redirection above (a static import would be evaluated first). The package's
// "main" is the CommonJS Node build (node/bitwarden_wasm_internal.js), which instantiates the
// wasm module synchronously when it is loaded: no separate init call is needed.
const sdk = (await import(SDK_PACKAGE)).default;
const SDK_VERSION = createRequire(import.meta.url)(`${SDK_PACKAGE}/package.json`).version;
const {
  IpcClient,
  IpcCommunicationBackend,
  IncomingMessage,
  OutgoingMessage,
  ipcRegisterDiscoverHandler,
  ipcRequestDiscover,
  init_sdk,
  LogLevel,
} = sdk;

// ---------------------------------------------------------------------------------------------
// 2. Framing
// ---------------------------------------------------------------------------------------------
function writeFrame(obj) {
  const body = Buffer.from(JSON.stringify(obj), "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return writeStdout(Buffer.concat([header, body]));
}

function errorInfo(e) {
  if (e instanceof Error) {
    const info = { error: e.message || String(e) };
    if (e.name && e.name !== "Error") info.errorName = e.name;
    if (typeof e.variant === "string") info.errorVariant = e.variant;
    return info;
  }
  if (typeof e === "string") return { error: e };
  try {
    return { error: JSON.stringify(e) ?? String(e) };
  } catch {
    return { error: String(e) };
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Peer state (one SDK IpcClient at a time; `restart` replaces it wholesale)
// ---------------------------------------------------------------------------------------------
let sdkLogInitialised = false;
let generation = 0;
let current = null; // see newPeer()
let lastStartArgs = null;
let sendSeq = 0;
const pendingAcks = new Map(); // send id -> { resolve, reject, timer }

function decodePayload(bytes) {
  const payloadBase64 = Buffer.from(bytes).toString("base64");
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return { payload: JSON.parse(text), payloadEncoding: "json", payloadBase64 };
  } catch {
    return { payload: payloadBase64, payloadEncoding: "base64", payloadBase64 };
  }
}

function newPeer(args) {
  const gen = ++generation;
  const peer = {
    gen,
    dead: false,
    abort: new AbortController(),
    inbox: [], // records not yet consumed
    waiters: [], // { match(record), resolve(record) }
    received: 0,
    version: args.version,
    sendAck: args.sendAck ?? "immediate",
    ackTimeoutMs: args.ackTimeoutMs ?? 5000,
    backend: null,
    client: null,
  };
  if (peer.sendAck !== "immediate" && peer.sendAck !== "parent") {
    throw new Error(`sendAck must be "immediate" or "parent", got ${JSON.stringify(peer.sendAck)}`);
  }
  peer.backend = new IpcCommunicationBackend({
    send: async (message) => {
      const payload = message.payload;
      const destination = message.destination;
      const topic = message.topic ?? null;
      if (peer.dead) {
        // A client from before a restart: its traffic must not leak into the new conversation.
        log(`dropping send from stale client generation ${gen}`);
        return;
      }
      const id = ++sendSeq;
      writeFrame({
        type: "send",
        id,
        payload: Buffer.from(payload).toString("base64"),
        destination,
        topic,
      });
      if (peer.sendAck === "parent") {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            pendingAcks.delete(id);
            reject(new Error(`no send-result from parent within ${peer.ackTimeoutMs} ms`));
          }, peer.ackTimeoutMs);
          pendingAcks.set(id, { resolve, reject, timer });
        });
      }
    },
  });
  peer.client = IpcClient.newWithSdkInMemorySessions(peer.backend);
  return peer;
}

function pushRecord(peer, record) {
  const index = peer.waiters.findIndex((w) => w.match(record));
  if (index >= 0) {
    const [waiter] = peer.waiters.splice(index, 1);
    waiter.resolve(record);
    return;
  }
  peer.inbox.push(record);
  if (peer.inbox.length > INBOX_LIMIT) {
    peer.inbox.shift();
    log(`inbox over ${INBOX_LIMIT} messages, dropped the oldest`);
  }
}

// Wait for (and consume) the first inbox record matching `match`, up to timeoutMs.
function takeRecord(peer, match, timeoutMs, what) {
  const index = peer.inbox.findIndex(match);
  if (index >= 0) return Promise.resolve(peer.inbox.splice(index, 1)[0]);
  return new Promise((resolve, reject) => {
    const waiter = {
      match,
      resolve: (record) => {
        clearTimeout(timer);
        resolve(record);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    };
    const timer = setTimeout(() => {
      const i = peer.waiters.indexOf(waiter);
      if (i >= 0) peer.waiters.splice(i, 1);
      reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    peer.waiters.push(waiter);
  });
}

async function inboxLoop(peer, subscription) {
  let consecutiveErrors = 0;
  while (!peer.dead) {
    let message;
    try {
      message = await subscription.receive(peer.abort.signal);
    } catch (e) {
      if (peer.dead) break;
      const info = errorInfo(e);
      if (!peer.client.isRunning()) {
        log(`subscription loop of generation ${peer.gen} ends, client not running: ${info.error}`);
        break;
      }
      if (++consecutiveErrors > 100) {
        log(`subscription loop of generation ${peer.gen} gives up after repeated errors: ${info.error}`);
        break;
      }
      log(`subscription receive error (continuing): ${info.errorName ?? ""} ${info.error}`);
      continue;
    }
    consecutiveErrors = 0;
    const topic = message.topic ?? null;
    const record = {
      seq: ++peer.received,
      topic,
      source: message.source,
      destination: message.destination,
      ...decodePayload(message.payload),
    };
    message.free();
    if (peer.dead) break;
    pushRecord(peer, record);
  }
}

function killPeer(peer, reason) {
  peer.dead = true;
  peer.abort.abort(new Error(reason));
  for (const waiter of peer.waiters.splice(0)) waiter.reject(new Error(reason));
  peer.inbox.length = 0;
}

function requirePeer() {
  if (!current) throw new Error("not started (send a start command first)");
  return current;
}

function requireEndpoint(args, name) {
  const value = args[name];
  if (value === undefined || value === null) throw new Error(`args.${name} (an endpoint) is required`);
  return value;
}

function topicMatcher(args) {
  if (!Object.prototype.hasOwnProperty.call(args, "topic")) return () => true;
  const topic = args.topic;
  return (record) => record.topic === topic;
}

// ---------------------------------------------------------------------------------------------
// 4. Commands
// ---------------------------------------------------------------------------------------------
async function startPeer(args) {
  if (typeof args.version !== "string") throw new Error("args.version (string) is required");
  if (args.logLevel !== undefined && args.logLevel !== null && !sdkLogInitialised) {
    // Optional: enables the SDK's tracing output (to stderr, see the console redirection).
    // init_sdk only takes effect the first time it is called in a process.
    const level = typeof args.logLevel === "number" ? args.logLevel : LogLevel[args.logLevel];
    if (level === undefined) throw new Error(`unknown logLevel ${JSON.stringify(args.logLevel)}`);
    init_sdk(level);
    sdkLogInitialised = true;
  }
  const peer = newPeer(args);
  if (args.registerDiscover !== false) {
    await ipcRegisterDiscoverHandler(peer.client, { version: args.version });
  }
  await peer.client.start(peer.abort.signal);
  // Subscribe before answering, so that nothing delivered after the result is missed.
  const subscription = await peer.client.subscribe();
  current = peer;
  lastStartArgs = args;
  inboxLoop(peer, subscription).catch((e) => log("inbox loop crashed:", e));
  return { generation: peer.gen, running: peer.client.isRunning() };
}

const commands = {
  async start(args) {
    if (current) throw new Error("already started (use restart)");
    return startPeer(args);
  },

  async restart(args) {
    const startArgs = Object.keys(args).length > 0 ? args : lastStartArgs;
    if (!startArgs) throw new Error("restart needs args (no earlier start)");
    if (current) {
      const old = current;
      current = null;
      killPeer(old, "peer restarted");
    }
    return startPeer(startArgs);
  },

  async isRunning() {
    return current ? current.client.isRunning() : false;
  },

  async discover(args) {
    const peer = requirePeer();
    const destination = requireEndpoint(args, "destination");
    const timeoutMs = args.timeoutMs ?? 5000;
    const response = await ipcRequestDiscover(peer.client, destination, AbortSignal.timeout(timeoutMs));
    return response;
  },

  async sendJson(args) {
    const peer = requirePeer();
    const destination = requireEndpoint(args, "destination");
    if (!Object.prototype.hasOwnProperty.call(args, "value")) throw new Error("args.value is required");
    await peer.client.send(OutgoingMessage.new_json_payload(args.value, destination, args.topic ?? null));
    return null;
  },

  async sendBytes(args) {
    const peer = requirePeer();
    const destination = requireEndpoint(args, "destination");
    if (typeof args.payload !== "string") throw new Error("args.payload (base64 string) is required");
    const bytes = new Uint8Array(Buffer.from(args.payload, "base64"));
    await peer.client.send(new OutgoingMessage(bytes, destination, args.topic ?? null));
    return null;
  },

  async nextMessage(args) {
    const peer = requirePeer();
    const timeoutMs = args.timeoutMs ?? 5000;
    const what = Object.prototype.hasOwnProperty.call(args, "topic")
      ? `a message with topic ${JSON.stringify(args.topic)}`
      : "any message";
    return takeRecord(peer, topicMatcher(args), timeoutMs, what);
  },

  async drainInbox(args) {
    const peer = requirePeer();
    const match = topicMatcher(args);
    const taken = peer.inbox.filter(match);
    peer.inbox = peer.inbox.filter((r) => !match(r));
    return taken;
  },

  async request(args) {
    const peer = requirePeer();
    const destination = requireEndpoint(args, "destination");
    if (typeof args.requestType !== "string") throw new Error("args.requestType (string) is required");
    const timeoutMs = args.timeoutMs ?? 5000;
    const requestId = args.requestId ?? randomUUID();
    const envelope = {
      request: args.request ?? null,
      request_id: requestId,
      request_type: args.requestType,
    };
    // responseTopic: absent -> "RpcResponseMessage:<id>" (what the SDK itself sends);
    // a string -> that string; null -> field omitted (old-protocol request).
    if (!Object.prototype.hasOwnProperty.call(args, "responseTopic")) {
      envelope.response_topic = `RpcResponseMessage:${requestId}`;
    } else if (args.responseTopic !== null) {
      envelope.response_topic = args.responseTopic;
    }
    const isResponse = (record) =>
      record.payloadEncoding === "json" &&
      record.payload !== null &&
      typeof record.payload === "object" &&
      record.payload.request_id === requestId &&
      Object.prototype.hasOwnProperty.call(record.payload, "result");
    // Register the waiter before sending: the response may arrive before send() resolves.
    const pending = takeRecord(peer, isResponse, timeoutMs, `the response to request ${requestId}`);
    pending.catch(() => {}); // observed below; avoid an unhandled rejection if send throws
    await peer.client.send(OutgoingMessage.new_json_payload(envelope, destination, "RpcRequestMessage"));
    const record = await pending;
    return { response: record.payload, topic: record.topic, source: record.source, requestId };
  },

  async shutdown() {
    return null; // the dispatcher exits after writing the result
  },
};

async function handleCommand(frame) {
  const id = frame.id ?? null;
  try {
    const fn = Object.prototype.hasOwnProperty.call(commands, frame.op) ? commands[frame.op] : null;
    if (!fn) throw new Error(`unknown op ${JSON.stringify(frame.op)}`);
    const value = await fn(frame.args ?? {});
    writeFrame({ type: "result", id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    writeFrame({ type: "result", id, ok: false, ...errorInfo(e) });
  }
  if (frame.op === "shutdown") process.exit(0);
}

function handleDeliver(frame) {
  const peer = current;
  if (!peer) throw new Error("deliver before start: dropped");
  if (typeof frame.payload !== "string") throw new Error("deliver.payload (base64) is required");
  if (frame.destination === undefined || frame.source === undefined) {
    throw new Error("deliver.destination and deliver.source are required");
  }
  const bytes = new Uint8Array(Buffer.from(frame.payload, "base64"));
  peer.backend.receive(new IncomingMessage(bytes, frame.destination, frame.source, frame.topic ?? null));
}

function handleSendResult(frame) {
  const ok = frame.type === "send-result" ? frame.ok === true : false;
  const pending = frame.id !== undefined ? pendingAcks.get(frame.id) : undefined;
  if (!pending) {
    // "immediate" mode (or unknown id): the SDK already saw the send succeed; just report it.
    if (!ok) log(`parent reports send ${frame.id ?? "?"} failed: ${frame.error ?? "(no error text)"} (ignored)`);
    return;
  }
  pendingAcks.delete(frame.id);
  clearTimeout(pending.timer);
  if (ok) pending.resolve();
  else pending.reject(new Error(frame.error ?? "send failed"));
}

function handleFrame(frame) {
  if (frame === null || typeof frame !== "object") throw new Error("frame is not a JSON object");
  switch (frame.type) {
    case "command":
      handleCommand(frame); // runs concurrently; answers with a result frame
      return;
    case "deliver":
      handleDeliver(frame);
      return;
    case "send-result":
    case "send-failed":
      handleSendResult(frame);
      return;
    default:
      throw new Error(`unknown frame type ${JSON.stringify(frame.type)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 5. stdin reader
// ---------------------------------------------------------------------------------------------
let buffered = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4) {
    const length = buffered.readUInt32BE(0);
    if (length > MAX_FRAME_BYTES) {
      log(`frame length ${length} exceeds ${MAX_FRAME_BYTES}: stream out of sync, exiting`);
      process.exit(2);
    }
    if (buffered.length < 4 + length) break;
    const body = buffered.subarray(4, 4 + length);
    buffered = buffered.subarray(4 + length);
    let frame;
    try {
      frame = JSON.parse(body.toString("utf8"));
      handleFrame(frame);
    } catch (e) {
      const info = errorInfo(e);
      log(`bad frame: ${info.error}`);
      writeFrame({ type: "protocol-error", ...info, frameType: frame?.type ?? null });
    }
  }
});
process.stdin.on("end", () => {
  log("stdin closed, exiting");
  process.exit(0);
});

process.on("unhandledRejection", (reason) => log("unhandled rejection:", reason));
process.on("uncaughtException", (error) => log("uncaught exception:", error));

writeFrame({ type: "ready", sdkPackage: SDK_PACKAGE, sdkVersion: SDK_VERSION, pid: process.pid });
