// Every datagram after the handshake is sealed: encrypted, so nobody on the path reads the game, and
// authenticated, so nobody can forge, change or re-aim one. A sealed datagram is
//
//   kind (1 byte, 0x01) | sequence (8 bytes, big-endian) | ciphertext | tag (16 bytes)
//
// The sequence number counts the datagrams one side sends under one key. It is the nonce (an AEAD
// must never see the same nonce twice under one key, and a counter never repeats), and the 9-byte
// header is the associated data, so a changed sequence number or kind fails authentication too.
// Each direction has its own key (handshake.ts), so a datagram bounced back at its sender fails.
//
// The receiver keeps a replay window: a datagram arriving twice, or far too late to be told apart
// from a replay, is dropped. A datagram that fails anything is dropped without an answer: `open`
// returns undefined and never throws, whatever arrives.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from "node:crypto";

/** The AEAD. netcode.io uses ChaCha20-Poly1305, but Bun 1.4.4's crypto (BoringSSL) offers it neither
 *  to createCipheriv (ERR_CRYPTO_UNKNOWN_CIPHER, oven-sh/bun#8072) nor to WebCrypto. AES-256-GCM has
 *  the same shape (32-byte key, 12-byte nonce, 16-byte tag) and the same one rule; switching is this
 *  line once the runtime has it. */
export const AEAD = "aes-256-gcm";
export const KEY_BYTES = 32;
export const TAG_BYTES = 16;
/** The first byte of a sealed datagram: no text message starts with it (they start with a letter). */
export const SEALED = 0x01;
export const HEADER_BYTES = 1 + 8;
/** What sealing adds to a datagram. */
export const OVERHEAD = HEADER_BYTES + TAG_BYTES;
/** Sequence numbers stay exact JavaScript numbers: at 30 datagrams a second, 2^53 is 9 million years. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

const nonceOf = (seq: number): Uint8Array => {
  // 4 zero bytes, then the 8-byte sequence number: unique per key because keys are per direction.
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, Math.floor(seq / 2 ** 32));
  view.setUint32(8, seq >>> 0);
  return nonce;
};

/** The key as a KeyObject, made once per session: it costs the same per datagram as raw bytes, and
 *  a log line or a JSON dump of a session never shows it. */
export const sealingKey = (key: Uint8Array): KeyObject => createSecretKey(key);

/** Seals `plaintext` as datagram number `seq` (which the caller never reuses under this key). */
export function seal(key: KeyObject, seq: number, plaintext: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`sequence number ${seq} out of range`);
  const out = new Uint8Array(HEADER_BYTES + plaintext.length + TAG_BYTES);
  const nonce = nonceOf(seq);
  const header = out.subarray(0, HEADER_BYTES);
  header[0] = SEALED;
  header.set(nonce.subarray(4), 1); // the sequence number, as in the nonce
  const cipher = createCipheriv(AEAD, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(header);
  out.set(cipher.update(plaintext), HEADER_BYTES);
  cipher.final(); // GCM is a stream mode: everything came out of update
  out.set(cipher.getAuthTag(), HEADER_BYTES + plaintext.length);
  return out;
}

/** The sequence number of a datagram shaped like a sealed one, before any cryptography (undefined if
 *  it is not shaped like one). Lets a receiver drop a replay without paying for the AEAD. */
export function sequenceOf(datagram: Uint8Array): number | undefined {
  if (datagram.length < OVERHEAD || datagram[0] !== SEALED) return undefined;
  const view = new DataView(datagram.buffer, datagram.byteOffset, HEADER_BYTES);
  const seq = view.getUint32(1) * 2 ** 32 + view.getUint32(5);
  return seq <= MAX_SEQ ? seq : undefined;
}

/** The plaintext of a sealed datagram if it authenticates under `key`, else undefined. Says nothing
 *  about replays: that is the window's job. */
export function unseal(key: KeyObject, datagram: Uint8Array): { seq: number; plaintext: Uint8Array } | undefined {
  const seq = sequenceOf(datagram);
  if (seq === undefined) return undefined;
  const body = datagram.subarray(HEADER_BYTES, datagram.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(AEAD, key, nonceOf(seq), { authTagLength: TAG_BYTES });
    decipher.setAAD(datagram.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(datagram.subarray(datagram.length - TAG_BYTES));
    const plaintext = decipher.update(body);
    decipher.final(); // throws if the tag does not match: the plaintext above is then thrown away
    return { seq, plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length) };
  } catch {
    return undefined;
  }
}

/** Which sequence numbers were already accepted, over the last `size` of them (netcode.io's replay
 *  protection): slot `seq % size` holds the newest number accepted there. A number at most `size`
 *  behind the newest is accepted once, in any order; an older one is refused, as it may be a replay
 *  the window has forgotten. 256 slots at 30 datagrams a second tolerate 8 s of reordering. */
export class ReplayWindow {
  private readonly slots: Float64Array;
  private newest = -1;

  constructor(readonly size = 256) {
    this.slots = new Float64Array(size).fill(-1);
  }

  /** Whether `seq` would be new: not seen, not older than the window. */
  isFresh(seq: number): boolean {
    if (seq + this.size <= this.newest) return false;
    return this.slots[seq % this.size]! < seq;
  }

  /** Marks `seq` as seen: call only once the datagram has authenticated, or a forger could move the
   *  window forward and get honest datagrams refused. */
  remember(seq: number): void {
    this.slots[seq % this.size] = seq;
    if (seq > this.newest) this.newest = seq;
  }
}

/** Why datagrams were dropped, for `stats` and the tests. */
export interface Dropped {
  /** Not shaped like a sealed datagram, or failed authentication: forged, damaged or another key. */
  forged: number;
  /** Already received, or too old to tell: refused before authentication, so a forgery that
   *  reuses an old number is counted here too. Either way, nothing new. */
  replayed: number;
}

/** One side of a session: seals with its sending key and counter, opens with its receiving key and
 *  replay window. */
export class SealedChannel {
  private readonly sendKey: KeyObject;
  private readonly receiveKey: KeyObject;
  private readonly window: ReplayWindow;
  private next = 0;
  readonly dropped: Dropped = { forged: 0, replayed: 0 };

  constructor(keys: { readonly send: Uint8Array; readonly receive: Uint8Array }, windowSize = 256) {
    this.sendKey = sealingKey(keys.send);
    this.receiveKey = sealingKey(keys.receive);
    this.window = new ReplayWindow(windowSize);
  }

  /** Datagrams sealed so far (the next one's sequence number). */
  get sent(): number {
    return this.next;
  }

  seal(plaintext: Uint8Array): Uint8Array {
    return seal(this.sendKey, this.next++, plaintext);
  }

  /** The plaintext if the datagram is authentic and new; undefined (and counted) otherwise. */
  open(datagram: Uint8Array): Uint8Array | undefined {
    const seq = sequenceOf(datagram);
    if (seq !== undefined && !this.window.isFresh(seq)) {
      this.dropped.replayed++; // cheap: refused before any cryptography
      return undefined;
    }
    const opened = seq === undefined ? undefined : unseal(this.receiveKey, datagram);
    if (opened === undefined) {
      this.dropped.forged++;
      return undefined;
    }
    this.window.remember(opened.seq);
    return opened.plaintext;
  }
}
