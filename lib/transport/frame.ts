/**
 * Length-prefixed msgpackr frames on a byte stream: `[u32 length][payload]`.
 * The decoder is incremental (TCP delivers arbitrary fragments) and never
 * throws: a bad frame is reported as an error for the caller to count.
 *
 * @module
 */
import { Packr, Unpackr } from "msgpackr";
import { MalformedPacketError } from "../util/errors.js";
import { FRAME_BYTES_MAX, FRAME_HEADER_BYTES } from "./limits.js";

// Plain msgpack (no record extension) so frames stay readable by any msgpack
// implementation and writers/readers never need shared structures.
const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** Encodes one value as a frame. @throws MalformedPacketError when it is over `frameBytesMax`. */
export function encodeFrame(value: unknown, frameBytesMax = FRAME_BYTES_MAX): Buffer {
  const payload = packr.pack(value);
  if (payload.length > frameBytesMax) {
    throw new MalformedPacketError(`frame of ${payload.length} bytes is over the ${frameBytesMax}-byte limit`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** What {@link FrameDecoder.push} found. */
export type DecodeEvent = { value: unknown } | { error: MalformedPacketError; fatal: boolean };

/**
 * Reassembles frames from stream chunks. A frame whose declared length is over
 * the limit is fatal (the stream cannot be resynchronised; close it); a frame
 * whose payload does not decode is reported and skipped.
 */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private failed = false;

  constructor(private readonly frameBytesMax = FRAME_BYTES_MAX) {}

  /** Feeds a chunk; returns the frames (or errors) it completed, in order. */
  push(chunk: Buffer): DecodeEvent[] {
    if (this.failed) return [];
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const events: DecodeEvent[] = [];
    let data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.bufferedBytes);
    let offset = 0;
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(offset);
      if (length > this.frameBytesMax) {
        this.failed = true;
        events.push({ error: new MalformedPacketError(`frame declares ${length} bytes; the limit is ${this.frameBytesMax}`), fatal: true });
        this.buffered = [];
        this.bufferedBytes = 0;
        return events;
      }
      if (data.length - offset - FRAME_HEADER_BYTES < length) break;
      const payload = data.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
      offset += FRAME_HEADER_BYTES + length;
      try {
        events.push({ value: unpackr.unpack(payload) });
      } catch (cause) {
        events.push({ error: new MalformedPacketError("frame payload is not valid msgpack", { cause }), fatal: false });
      }
    }
    data = data.subarray(offset);
    this.buffered = data.length > 0 ? [data] : [];
    this.bufferedBytes = data.length;
    return events;
  }
}
