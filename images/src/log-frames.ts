// A container's log as the Engine API sends it without a TTY: each chunk framed by an 8-byte header.

/** Header: stream (1 stdout, 2 stderr), three zero bytes, then the chunk's length as a big-endian uint32. */
export function demultiplex(raw: Buffer): string {
  const parts: string[] = [];
  for (let offset = 0; offset + 8 <= raw.length;) {
    const length = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + length).toString('utf8'));
    offset += 8 + length;
  }
  return parts.join('');
}
