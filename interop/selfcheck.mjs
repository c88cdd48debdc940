#!/usr/bin/env node
// selfcheck.mjs: proves sdk-peer.mjs works by running two of them (two real SDK IpcClients)
// and relaying the wire traffic between them, the way the Java test harness will relay between
// one sdk-peer and the Java implementation.
//
//   cd interop && npm ci && node selfcheck.mjs      (exit code 0 = all checks passed)
//
// Output: progress and the wire dump on stderr; the closing line "N passed, N failed" on stdout.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import assert from "node:assert/strict";
import util from "node:util";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PEER_SCRIPT = path.join(HERE, "sdk-peer.mjs");
const STEP_TIMEOUT_MS = 10_000;
const OVERALL_TIMEOUT_MS = 90_000;

const say = (...args) => process.stderr.write(`[selfcheck] ${util.format(...args)}\n`);
const hex = (buf) => Buffer.from(buf).toString("hex");
const same = (a, b) => util.isDeepStrictEqual(a, b);

// ---------------------------------------------------------------------------------------------
// Minimal CBOR reader (definite lengths only), enough to check the Noise frame layout.
// Byte strings come back as Buffer, text as string, arrays/maps as JS arrays/objects.
// ---------------------------------------------------------------------------------------------
function cborDecode(bytes) {
  const buf = Buffer.from(bytes);
  let pos = 0;
  const readArg = (info) => {
    if (info < 24) return info;
    if (info === 24) return buf.readUInt8(pos++);
    if (info === 25) { const v = buf.readUInt16BE(pos); pos += 2; return v; }
    if (info === 26) { const v = buf.readUInt32BE(pos); pos += 4; return v; }
    if (info === 27) { const v = buf.readBigUInt64BE(pos); pos += 8; return Number(v); }
    throw new Error(`unsupported CBOR additional info ${info} at ${pos}`);
  };
  const item = () => {
    const initial = buf.readUInt8(pos++);
    const major = initial >> 5;
    const arg = readArg(initial & 31);
    switch (major) {
      case 0: return arg;
      case 2: { const v = buf.subarray(pos, pos + arg); pos += arg; return Buffer.from(v); }
      case 3: { const v = buf.toString("utf8", pos, pos + arg); pos += arg; return v; }
      case 4: { const a = []; for (let i = 0; i < arg; i++) a.push(item()); return a; }
      case 5: { const o = {}; for (let i = 0; i < arg; i++) { const k = item(); o[k] = item(); } return o; }
      default: throw new Error(`unsupported CBOR major type ${major}`);
    }
  };
  const value = item();
  if (pos !== buf.length) throw new Error(`trailing bytes after CBOR item (${buf.length - pos})`);
  return value;
}

function frameKind(bytes) {
  try {
    const v = cborDecode(bytes);
    if (v === "CryptoInvalidated") return "CryptoInvalidated";
    if (v && typeof v === "object") return Object.keys(v)[0] ?? "unknown";
  } catch {
    /* not CBOR */
  }
  return "malformed";
}

// ---------------------------------------------------------------------------------------------
// A bridge to one sdk-peer.mjs child
// ---------------------------------------------------------------------------------------------
class Peer {
  constructor(name, endpoint) {
    this.name = name;
    this.endpoint = endpoint;
    this.nextId = 1;
    this.pending = new Map();
    this.onSend = () => {};
    this.exited = new Promise((resolve) => {
      this.child = spawn(process.execPath, [PEER_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
      this.child.on("exit", (code, signal) => resolve({ code, signal }));
    });
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    let stderrRest = "";
    this.child.stderr.on("data", (chunk) => {
      const lines = (stderrRest + chunk.toString("utf8")).split("\n");
      stderrRest = lines.pop();
      for (const line of lines) if (line.trim()) process.stderr.write(`  [${name}] ${line}\n`);
    });
    let buffered = Buffer.alloc(0);
    this.child.stdout.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32BE(0);
        if (length > 64 * 1024 * 1024) {
          this.fail(new Error(`${name}: stdout is not a frame stream (length ${length})`));
          return;
        }
        if (buffered.length < 4 + length) break;
        const text = buffered.toString("utf8", 4, 4 + length);
        buffered = buffered.subarray(4 + length);
        let frame;
        try {
          frame = JSON.parse(text);
        } catch (e) {
          this.fail(new Error(`${name}: non-JSON frame on stdout: ${JSON.stringify(text.slice(0, 200))}`));
          return;
        }
        this.onFrame(frame);
      }
    });
  }

  fail(error) {
    this.failure = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  onFrame(frame) {
    switch (frame.type) {
      case "ready":
        this.resolveReady(frame);
        break;
      case "result": {
        const p = this.pending.get(frame.id);
        if (!p) throw new Error(`${this.name}: result for unknown id ${frame.id}`);
        this.pending.delete(frame.id);
        p.resolve(frame);
        break;
      }
      case "send":
        this.onSend(frame);
        break;
      case "protocol-error":
        this.fail(new Error(`${this.name}: protocol-error ${frame.error}`));
        break;
      default:
        this.fail(new Error(`${this.name}: unexpected frame type ${frame.type}`));
    }
  }

  write(obj) {
    const body = Buffer.from(JSON.stringify(obj), "utf8");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length, 0);
    this.child.stdin.write(Buffer.concat([header, body]));
  }

  // Returns the whole result frame ({ok, value} or {ok:false, error}).
  commandRaw(op, args = {}) {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.write({ type: "command", id, op, args });
    });
  }

  async command(op, args = {}) {
    const frame = await this.commandRaw(op, args);
    if (!frame.ok) {
      throw new Error(`${this.name}.${op} failed: ${frame.errorName ?? ""} ${frame.error}`);
    }
    return frame.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Wire: relays every `send` of one peer as a `deliver` to the other, stamping `source`.
// ---------------------------------------------------------------------------------------------
const wire = []; // { from, to, topic, kind, payload(Buffer), destination }
const wireWaiters = [];

function recordWire(entry) {
  wire.push(entry);
  for (const w of [...wireWaiters]) {
    if (w.match(entry)) {
      wireWaiters.splice(wireWaiters.indexOf(w), 1);
      w.resolve(entry);
    }
  }
}

// Waits for a wire entry (with index >= fromIndex) that matches.
function waitWire(match, what, fromIndex = 0, timeoutMs = STEP_TIMEOUT_MS) {
  const found = wire.slice(fromIndex).find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const waiter = {
      match,
      resolve: (e) => {
        clearTimeout(timer);
        resolve(e);
      },
    };
    const timer = setTimeout(() => {
      wireWaiters.splice(wireWaiters.indexOf(waiter), 1);
      reject(new Error(`timeout waiting on the wire for ${what}`));
    }, timeoutMs);
    wireWaiters.push(waiter);
  });
}

function connect(peers) {
  for (const sender of peers) {
    sender.onSend = (frame) => {
      const payload = Buffer.from(frame.payload, "base64");
      const receiver = peers.find((p) => p !== sender && same(p.endpoint, frame.destination));
      const entry = {
        from: sender.name,
        to: receiver ? receiver.name : JSON.stringify(frame.destination),
        destination: frame.destination,
        topic: frame.topic,
        kind: frameKind(payload),
        payload,
      };
      recordWire(entry);
      say(
        `wire ${entry.from} -> ${entry.to} ${entry.kind.padEnd(17)} topic=${JSON.stringify(entry.topic)} ` +
          `${payload.length} bytes`,
      );
      if (sender.sendAck) {
        // Parent-acknowledged sends: answer every send with a send-result.
        const unreachable = !receiver && !same(frame.destination, BOOM_ENDPOINT);
        const result = receiver
          ? { ok: true }
          : { ok: false, error: unreachable ? "Destination unreachable" : "boom: transport broke" };
        sender.write({ type: "send-result", id: frame.id, ...result });
      }
      if (!receiver) return; // not routable (e.g. the barrier's fake endpoint)
      receiver.write({
        type: "deliver",
        payload: frame.payload,
        destination: frame.destination,
        source: sender.endpoint, // the transport stamps the source
        topic: frame.topic,
      });
    };
  }
}

// Barrier: makes sure `peer`'s processing loop has handled everything delivered to it so far.
// Delivers a (replayed, valid) HandshakeStart from a fake endpoint nobody else uses; the peer
// answers with a HandshakeFinish to that endpoint only after processing everything before it.
let barrierSeq = 0;
async function barrier(peer, handshakeStartPayload) {
  const fake = { BrowserForeground: { id: 4200 + ++barrierSeq } };
  const mark = wire.length;
  peer.write({
    type: "deliver",
    payload: Buffer.from(handshakeStartPayload).toString("base64"),
    destination: peer.endpoint,
    source: fake,
    topic: null,
  });
  await waitWire(
    (e) => e.from === peer.name && e.kind === "HandshakeFinish" && same(e.destination, fake),
    `${peer.name}'s barrier HandshakeFinish`,
    mark,
  );
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------
const results = [];
// Sends to this endpoint are answered with a send-result error that is NOT "Destination unreachable".
const BOOM_ENDPOINT = { BrowserForeground: { id: 666 } };
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    say(`PASS ${name}`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    say(`FAIL ${name}: ${e.stack ?? e}`);
  }
}

function expectHandshakeStartLayout(payload) {
  const b = Buffer.from(payload);
  const expectedPrefix = Buffer.concat([
    Buffer.from([0xa1, 0x6e]), Buffer.from("HandshakeStart"),
    Buffer.from([0xa2, 0x6b]), Buffer.from("ciphersuite"),
    Buffer.from([0x78, 0x1b]), Buffer.from("Noise_NN_P256_AESGCM_SHA256"),
    Buffer.from([0x6b]), Buffer.from("noise_frame"),
    Buffer.from([0x98, 0x41]),
  ]);
  assert.equal(hex(b.subarray(0, expectedPrefix.length)), hex(expectedPrefix), "HandshakeStart prefix");
  const decoded = cborDecode(b).HandshakeStart;
  assert.equal(decoded.ciphersuite, "Noise_NN_P256_AESGCM_SHA256");
  assert.equal(decoded.noise_frame.length, 65, "P-256 ephemeral key is 65 bytes");
  assert.equal(decoded.noise_frame[0], 4, "uncompressed SEC1 point starts with 0x04");
  assert.ok(decoded.noise_frame.every((x) => Number.isInteger(x) && x >= 0 && x <= 255));
}

function expectHandshakeFinishLayout(payload) {
  const b = Buffer.from(payload);
  const prefix = Buffer.concat([Buffer.from([0xa1, 0x6f]), Buffer.from("HandshakeFinish"), Buffer.from([0x98, 0x51])]);
  assert.equal(hex(b.subarray(0, prefix.length)), hex(prefix), "HandshakeFinish prefix");
  assert.equal(cborDecode(b).HandshakeFinish.length, 81, "P-256 NN message 2 is 81 bytes");
}

function decodeTransportFrame(payload) {
  const b = Buffer.from(payload);
  const prefix = Buffer.concat([
    Buffer.from([0xa1, 0x6e]), Buffer.from("TransportFrame"),
    Buffer.from([0xa2, 0x67]), Buffer.from("payload"),
  ]);
  assert.equal(hex(b.subarray(0, prefix.length)), hex(prefix), "TransportFrame prefix");
  const t = cborDecode(b).TransportFrame;
  assert.ok(Buffer.isBuffer(t.payload), "TransportFrame.payload is a CBOR byte string");
  assert.ok(Number.isInteger(t.nonce));
  return t;
}

async function main() {
  const A = new Peer("A", "DesktopMain");
  const B = new Peer("B", "DesktopRenderer");
  const C = new Peer("C", { BrowserBackground: { id: "Own" } });
  C.sendAck = true;
  const peers = [A, B, C];
  connect(peers);
  let handshakeStart = null;
  let firstTransport = null;

  try {
    await check("both peers load the SDK and announce ready", async () => {
      for (const p of peers) {
        const ready = await p.ready;
        assert.equal(ready.sdkVersion, "0.2.0-main.1054");
      }
    });

    await check("start both peers (A with SDK logging at Debug to exercise stdout redirection)", async () => {
      const a = await A.command("start", { version: "peer-A-1.0", logLevel: "Debug" });
      const b = await B.command("start", { version: "peer-B-1.0" });
      assert.equal(a.running, true);
      assert.equal(b.running, true);
      assert.equal(await A.command("isRunning"), true);
      assert.equal(await B.command("isRunning"), true);
      const again = await A.commandRaw("start", { version: "x" });
      assert.equal(again.ok, false, "second start must be refused");
    });

    await check("A discovers B (handshake A->B on the wire)", async () => {
      const mark = wire.length;
      const r = await A.command("discover", { destination: "DesktopRenderer", timeoutMs: 5000 });
      assert.deepEqual(r, { version: "peer-B-1.0" });
      const hs = await waitWire((e) => e.kind === "HandshakeStart" && e.from === "A", "A's HandshakeStart", mark);
      handshakeStart = hs;
      assert.equal(hs.topic, null, "handshake frames carry no topic");
      say(`HandshakeStart A->B (${hs.payload.length} bytes): ${hex(hs.payload)}`);
      expectHandshakeStartLayout(hs.payload);
      const hf = await waitWire((e) => e.kind === "HandshakeFinish" && e.from === "B", "B's HandshakeFinish", mark);
      say(`HandshakeFinish B->A (${hf.payload.length} bytes): ${hex(hf.payload)}`);
      expectHandshakeFinishLayout(hf.payload);
      const req = await waitWire((e) => e.kind === "TransportFrame" && e.from === "A", "A's request frame", mark);
      firstTransport = req;
      assert.equal(req.topic, "RpcRequestMessage", "topic travels in clear");
      const t = decodeTransportFrame(req.payload);
      assert.equal(t.nonce, 1, "first transport nonce is 1");
      const resp = await waitWire((e) => e.kind === "TransportFrame" && e.from === "B", "B's response frame", mark);
      assert.match(resp.topic, /^RpcResponseMessage:[0-9a-f-]{36}$/, "response on RpcResponseMessage:<id>");
      say(`TransportFrame A->B topic=${req.topic} (${req.payload.length} bytes): ${hex(req.payload)}`);
    });

    await check("B discovers A, reusing its responder session (no second handshake)", async () => {
      const mark = wire.length;
      const r = await B.command("discover", { destination: "DesktopMain", timeoutMs: 5000 });
      assert.deepEqual(r, { version: "peer-A-1.0" });
      const req = await waitWire((e) => e.from === "B" && e.topic === "RpcRequestMessage", "B's request", mark);
      const before = wire.slice(mark, wire.indexOf(req));
      assert.ok(!before.some((e) => e.kind.startsWith("Handshake")), "no handshake before B's request");
      // One session per peer pair, used in both directions: B already sent one frame with it
      // (its response to A's discover, nonce 1), so B's request carries nonce 2.
      assert.equal(decodeTransportFrame(req.payload).nonce, 2);
    });

    await check("A sendJson to B, B nextMessage sees it (ciphertext = plaintext + 16)", async () => {
      const value = { hello: "from A", n: 1, nested: { ok: true } };
      const mark = wire.length;
      await A.command("sendJson", { value, destination: "DesktopRenderer", topic: "selfcheck.greeting" });
      const m = await B.command("nextMessage", { topic: "selfcheck.greeting", timeoutMs: 5000 });
      assert.deepEqual(m.payload, value);
      assert.equal(m.payloadEncoding, "json");
      assert.equal(m.source, "DesktopMain");
      assert.equal(m.destination, "DesktopRenderer");
      assert.equal(m.topic, "selfcheck.greeting");
      const f = await waitWire((e) => e.from === "A" && e.topic === "selfcheck.greeting", "the frame", mark);
      const t = decodeTransportFrame(f.payload);
      assert.equal(t.payload.length, Buffer.byteLength(JSON.stringify(value)) + 16);
      say(`TransportFrame A->B topic=${f.topic} nonce=${t.nonce} (${f.payload.length} bytes): ${hex(f.payload)}`);
    });

    await check("B request of an unknown type to A -> {Err:NoHandlerFound}", async () => {
      const r = await B.command("request", {
        destination: "DesktopMain",
        requestType: "selfcheck.NoSuchRequest",
        request: { any: "thing" },
        timeoutMs: 5000,
      });
      assert.deepEqual(r.response.result, { Err: "NoHandlerFound" });
      assert.equal(r.response.request_id, r.requestId);
      assert.equal(r.response.request_type, "selfcheck.NoSuchRequest");
      assert.equal(r.topic, `RpcResponseMessage:${r.requestId}`);
      assert.equal(r.source, "DesktopMain");
    });

    await check("B hand-built DiscoverRequest via request op -> {Ok:{version}}", async () => {
      const r = await B.command("request", { destination: "DesktopMain", requestType: "DiscoverRequest", timeoutMs: 5000 });
      assert.deepEqual(r.response.result, { Ok: { version: "peer-A-1.0" } });
    });

    await check("request with a custom response_topic is answered on that topic", async () => {
      const r = await B.command("request", {
        destination: "DesktopMain",
        requestType: "DiscoverRequest",
        responseTopic: "selfcheck.rt",
        timeoutMs: 5000,
      });
      assert.equal(r.topic, "selfcheck.rt");
      assert.deepEqual(r.response.result, { Ok: { version: "peer-A-1.0" } });
    });

    await check("unknown op and bad args give error results, the peer keeps running", async () => {
      const u = await A.commandRaw("noSuchOp", {});
      assert.equal(u.ok, false);
      assert.match(u.error, /unknown op/);
      const d = await A.commandRaw("discover", {});
      assert.equal(d.ok, false);
      const t = await A.commandRaw("nextMessage", { topic: "nothing.here", timeoutMs: 50 });
      assert.equal(t.ok, false);
      assert.match(t.error, /timeout/);
      assert.equal(await A.command("isRunning"), true);
    });

    await check("restart B: first A->B message is lost (CryptoInvalidated), the next one arrives", async () => {
      assert.ok(handshakeStart, "needs the HandshakeStart captured earlier (for the barrier)");
      const r = await B.command("restart", { version: "peer-B-2.0" });
      assert.equal(r.running, true);
      const topic = "selfcheck.after-restart";
      let mark = wire.length;
      // 1st message: A still holds its old session for B, B has none.
      await A.command("sendJson", { value: { n: 1 }, destination: "DesktopRenderer", topic });
      const lost = await waitWire((e) => e.from === "A" && e.topic === topic, "A's 1st frame", mark);
      assert.equal(lost.kind, "TransportFrame", "no new handshake: A still uses the old session");
      const ci = await waitWire((e) => e.from === "B" && e.kind === "CryptoInvalidated", "B's CryptoInvalidated", mark);
      assert.equal(ci.topic, null);
      assert.equal(hex(ci.payload), hex(Buffer.concat([Buffer.from([0x71]), Buffer.from("CryptoInvalidated")])));
      say(`CryptoInvalidated B->A: ${hex(ci.payload)}`);
      // Make sure A's loop has processed the CryptoInvalidated (removed its session for B).
      await barrier(A, handshakeStart.payload);
      // 2nd message: A must handshake again, then it is delivered.
      mark = wire.length;
      await A.command("sendJson", { value: { n: 2 }, destination: "DesktopRenderer", topic });
      await waitWire((e) => e.from === "A" && e.kind === "HandshakeStart" && e.to === "B", "A's re-handshake", mark);
      const m = await B.command("nextMessage", { topic, timeoutMs: 5000 });
      assert.deepEqual(m.payload, { n: 2 }, "the first message after the restart is lost");
      const leftovers = await B.command("drainInbox", { topic });
      assert.deepEqual(leftovers, [], "message 1 never arrives");
      say("after B's restart: 2 A->B messages needed (1st answered with CryptoInvalidated and lost)");
    });

    await check("after restart: discover both ways works, new version is reported", async () => {
      assert.deepEqual(await A.command("discover", { destination: "DesktopRenderer" }), { version: "peer-B-2.0" });
      assert.deepEqual(await B.command("discover", { destination: "DesktopMain" }), { version: "peer-A-1.0" });
    });

    await check("sendAck=parent: a send-result error becomes the SDK's send error", async () => {
      const r = await C.command("start", { version: "peer-C-1.0", sendAck: "parent" });
      assert.equal(r.running, true);
      // Routable destination, acknowledged OK: normal operation.
      assert.deepEqual(await C.command("discover", { destination: "DesktopMain" }), { version: "peer-A-1.0" });
      // Unroutable, acknowledged with "Destination unreachable" -> SDK SendError::Unreachable.
      const web = { Web: { tab_id: 7, document_id: "doc-7" } };
      const u = await C.commandRaw("sendJson", { value: 1, destination: web, topic: "t" });
      assert.equal(u.ok, false);
      say(`send to an unreachable destination rejects with: ${JSON.stringify(u)}`);
      assert.match(u.error, /Destination unreachable/);
      const ud = await C.commandRaw("discover", { destination: web, timeoutMs: 3000 });
      assert.equal(ud.ok, false);
      say(`discover of an unreachable destination rejects with: ${JSON.stringify(ud)}`);
      // Any other error text -> SendError::Other.
      const b = await C.commandRaw("sendJson", { value: 1, destination: BOOM_ENDPOINT, topic: "t" });
      assert.equal(b.ok, false);
      say(`send whose transport fails otherwise rejects with: ${JSON.stringify(b)}`);
      assert.doesNotMatch(b.error, /Destination unreachable/);
      assert.equal(await C.command("isRunning"), true, "neither error stops the client");
    });

    await check("shutdown exits 0", async () => {
      for (const p of peers) {
        await p.command("shutdown");
        const exit = await p.exited;
        assert.deepEqual(exit, { code: 0, signal: null });
      }
    });
  } finally {
    for (const p of peers) if (p.child.exitCode === null) p.child.kill();
  }

  say("wire summary:");
  const counts = {};
  for (const e of wire) counts[`${e.from}->${e.to} ${e.kind}`] = (counts[`${e.from}->${e.to} ${e.kind}`] ?? 0) + 1;
  for (const [k, v] of Object.entries(counts)) say(`  ${k}: ${v}`);
  if (firstTransport) say(`first TransportFrame hex: ${hex(firstTransport.payload)}`);

  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`selfcheck: ${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

const guard = setTimeout(() => {
  say(`overall timeout ${OVERALL_TIMEOUT_MS} ms`);
  process.stdout.write(`selfcheck: ${results.filter((r) => r.ok).length} passed, 1 failed\n`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
guard.unref();

main().catch((e) => {
  say("selfcheck crashed:", e);
  process.exit(1);
});
