/**
 * Strict UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF). Bytes that
 * are not UTF-8 are never decoded into U+FFFD here: two different byte strings must never become one text,
 * so the caller gets a refusal and a readable picture of the bytes instead.
 */

export type Utf8Outcome = { ok: true; text: string } | { ok: false; shown: string; firstInvalidOffset: number };

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes strictly; on failure `shown` is the text with each byte that is not UTF-8 written as `\xHH`. */
export function decodeUtf8(bytes: Uint8Array): Utf8Outcome {
  try {
    return { ok: true, text: strictDecoder.decode(bytes) };
  } catch {
    return describeInvalid(bytes);
  }
}

/** Length of the well-formed sequence starting at `index`, or 0 when the byte there does not start one. */
function sequenceLength(bytes: Uint8Array, index: number): number {
  const lead = bytes[index] ?? 0xff;
  if (lead < 0x80) return 1;
  const continuation = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = bytes[index + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [low, high] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [low, high] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

function describeInvalid(bytes: Uint8Array): Utf8Outcome {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let shown = '';
  let firstInvalidOffset = -1;
  let validFrom = 0;
  for (let index = 0; index < buffer.length; ) {
    const length = sequenceLength(buffer, index);
    if (length > 0) {
      index += length;
      continue;
    }
    if (firstInvalidOffset < 0) firstInvalidOffset = index;
    shown += `${buffer.toString('utf8', validFrom, index)}\\x${(buffer[index] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    index += 1;
    validFrom = index;
  }
  shown += buffer.toString('utf8', validFrom);
  return { ok: false, shown, firstInvalidOffset };
}
