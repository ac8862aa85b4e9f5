// What the secure connect costs, in microseconds, on this machine: sealing and opening one datagram
// (the price every datagram pays, both ways), and each stage of the handshake (paid once a session).
// Prints a Markdown table: `bun steps/10-secure-connect/measure-sealing.ts`. Each figure is the
// fastest of 7 rounds: on a shared machine the slower rounds measure the neighbours. Orders of
// magnitude, not promises.
import { randomBytes } from "node:crypto";
import { Cookies } from "./cookie.ts";
import { atMainPort, ClientHandshake, serverSession } from "./handshake.ts";
import { SealedChannel } from "./sealed.ts";

const ROUNDS = 7;

/** Microseconds per call of `work` in the fastest round, run `times` times a round; `prepare` makes a round's
 *  work outside the clock (and the garbage of the round before is collected outside it too). */
function perCall(times: number, work: (i: number) => void, prepare?: () => (i: number) => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (prepare !== undefined) work = prepare();
    Bun.gc(true);
    const start = performance.now();
    for (let i = 0; i < times; i++) work(i);
    rounds.push(((performance.now() - start) * 1000) / times);
  }
  return Math.min(...rounds);
}

const up = randomBytes(32);
const down = randomBytes(32);
const rows: [string, number][] = [];

// 40: an INPUT; 400 and 1200: STATEs with interest management (1200 is the MTU games keep to);
// 42,000: step 05's full broadcast of 1000 players, for the per-byte cost.
for (const size of [40, 400, 1200, 42_000]) {
  const plaintext = randomBytes(size);
  const times = size > 10_000 ? 1_000 : 10_000;
  const client = new SealedChannel({ send: up, receive: down });
  const server = new SealedChannel({ send: down, receive: up });
  perCall(times, () => server.open(client.seal(plaintext))); // warm up
  rows.push([`seal + open a ${size}-byte datagram`, perCall(times, () => server.open(client.seal(plaintext)))]);
  rows.push([`  seal alone`, perCall(times, () => client.seal(plaintext))]);
  const fresh = () => {
    const sealed = Array.from({ length: times }, () => client.seal(plaintext));
    const receiver = new SealedChannel({ send: down, receive: up });
    return (i: number) => void receiver.open(sealed[i]!);
  };
  rows.push([`  open alone`, perCall(times, () => {}, fresh)]);
  const replayed = client.seal(plaintext);
  server.open(replayed);
  rows.push([`  a replay refused (before the AEAD)`, perCall(times, () => server.open(replayed))]);
}

const cookies = new Cookies(randomBytes(32));
const hs = new ClientHandshake("Zyno", randomBytes(32));
const knock = hs.knock();
rows.push(["main port: a knock answered with a challenge (HMAC)", perCall(20_000, (i) => atMainPort(cookies, knock, "10.0.0.1", i & 0xffff, 1000))]);
const cookie = cookies.challengeFor("10.0.0.1", 5000, 1000);
const proof = hs.proof(cookie);
rows.push(["main port: a proof checked (HMAC, parse)", perCall(20_000, () => atMainPort(cookies, proof, "10.0.0.1", 5000, 1000))]);
const welcome = randomBytes(2000);
rows.push(["server: ACCEPT made (key pair, X25519, HKDF, seal 2 KB)", perCall(500, () => serverSession(hs.publicKey, randomBytes(32))!.accept(welcome))]);
const accept = serverSession(hs.publicKey, randomBytes(32))!.accept(welcome);
rows.push(["client: ACCEPT opened (X25519, HKDF, open 2 KB)", perCall(500, () => hs.accept(accept))]);

console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores\n`);
console.log("| what | µs each |\n|---|---:|");
for (const [what, us] of rows) console.log(`| ${what} | ${us.toFixed(2)} |`);
