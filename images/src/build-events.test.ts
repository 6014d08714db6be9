import { describe, expect, test } from '@jest/globals';
import { parseBuildEvent, parseBuildLine, splitLines } from './build-events.js';
import { demultiplex } from './log-frames.js';

describe('parseBuildEvent', () => {
  test.each([
    {
      name: 'a log line',
      event: { stream: 'STEP 1/2: FROM x\n' },
      want: { kind: 'log', text: 'STEP 1/2: FROM x\n' },
    },
    {
      name: 'an error prefers errorDetail.message',
      event: { error: 'short', errorDetail: { message: 'building at STEP "RUN false": exit status 1' } },
      want: { kind: 'error', message: 'building at STEP "RUN false": exit status 1' },
    },
    {
      name: 'an error without detail',
      event: { error: 'no space left' },
      want: { kind: 'error', message: 'no space left' },
    },
    { name: 'the image id', event: { aux: { ID: 'sha256:abc' } }, want: { kind: 'image', id: 'sha256:abc' } },
    {
      name: 'a pull progress object',
      event: { status: 'Downloading', progressDetail: {} },
      want: { kind: 'other' },
    },
    { name: 'not an object', event: 'text', want: { kind: 'other' } },
    { name: 'null', event: null, want: { kind: 'other' } },
  ])('$name', ({ event, want }) => {
    expect(parseBuildEvent(event)).toEqual(want);
  });
});

describe('splitLines', () => {
  test.each([
    {
      name: 'keeps an unfinished object for the next chunk',
      text: '{"stream":"a"}\n{"stre',
      want: { lines: ['{"stream":"a"}'], rest: '{"stre' },
    },
    {
      name: 'a finished chunk leaves no rest',
      text: '{"a":1}\n{"b":2}\n',
      want: { lines: ['{"a":1}', '{"b":2}'], rest: '' },
    },
    { name: 'drops blank lines', text: '\n\n{"a":1}\n', want: { lines: ['{"a":1}'], rest: '' } },
  ])('$name', ({ text, want }) => {
    expect(splitLines(text)).toEqual(want);
  });
});

describe('parseBuildLine', () => {
  test('a line that is not JSON becomes log text', () => {
    expect(parseBuildLine('plain words')).toEqual({ kind: 'log', text: 'plain words\n' });
  });

  test('a JSON line is an event', () => {
    expect(parseBuildLine('{"error":"boom"}')).toEqual({ kind: 'error', message: 'boom' });
  });
});

describe('demultiplex', () => {
  const frame = (stream: number, text: string): Buffer => {
    const header = Buffer.alloc(8);
    header.writeUInt8(stream, 0);
    header.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([header, Buffer.from(text)]);
  };

  test('joins stdout and stderr chunks in order, without their headers', () => {
    expect(demultiplex(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'é')]))).toBe(
      'out\nerr\né',
    );
  });

  test('an incomplete trailing header is ignored', () => {
    expect(demultiplex(Buffer.concat([frame(1, 'ok'), Buffer.from([1, 0, 0])]))).toBe('ok');
  });
});
