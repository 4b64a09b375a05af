import { describe, expect, it } from 'vitest';
import {
  changesOf,
  continuationBody,
  INVOCATION_RESERVE_MS,
  invocationDeadline,
  parsePublishMessage,
  reconcileBody,
} from '../../functions/core/publish-messages.ts';

const s3Event = (type: string, key: string) =>
  JSON.stringify({ 'detail-type': type, source: 'aws.s3', detail: { bucket: { name: 'c' }, object: { key } } });

describe('PublishQueue messages', () => {
  it('reads S3 events, the scheduled reconcile and continuations, and anything else as unrecognized', () => {
    expect(parsePublishMessage(s3Event('Object Created', 'articles/a.md'))).toEqual({
      kind: 'change',
      type: 'Object Created',
      key: 'articles/a.md',
    });
    expect(parsePublishMessage(JSON.stringify(reconcileBody('2026-03-01T12:00:00Z')))).toEqual({
      kind: 'reconcile',
      time: '2026-03-01T12:00:00Z',
    });
    expect(parsePublishMessage(continuationBody('run-1', '2026-03-01T12:00:00.000Z'))).toEqual({
      kind: 'continue',
      run: 'run-1',
    });
    for (const body of ['not json', '[]', 'null', '{}', JSON.stringify({ detail: { object: { key: 7 } } })]) {
      expect(parsePublishMessage(body), body).toEqual({ kind: 'unrecognized' });
    }
  });

  it('keeps two continuations of one run apart, so content-based deduplication drops neither', () => {
    expect(continuationBody('run-1', '2026-03-01T12:00:00.000Z')).not.toBe(
      continuationBody('run-1', '2026-03-01T12:05:00.000Z'),
    );
  });

  it('publishes the keys a batch names, or reconciles when any message asks for it or is unrecognized', () => {
    const change = (key: string) => parsePublishMessage(s3Event('Object Created', key));
    expect(changesOf([change('articles/b.md'), change('articles/a.md'), change('articles/b.md')])).toEqual([
      'articles/a.md',
      'articles/b.md',
    ]);
    expect(changesOf([change('articles/a.md'), { kind: 'reconcile', time: null }])).toBeUndefined();
    expect(changesOf([change('articles/a.md'), { kind: 'unrecognized' }])).toBeUndefined();
    // A continuation alone examines nothing new: the run in progress goes on.
    expect(changesOf([{ kind: 'continue', run: 'r' }])).toEqual([]);
  });

  it('examines a form-encoded key both as written and decoded, and leaves a key it cannot decode as it is', () => {
    const change = (key: string) => parsePublishMessage(s3Event('Object Created', key));
    expect(changesOf([change('articles/red+flower.md')])).toEqual(['articles/red flower.md', 'articles/red+flower.md']);
    expect(changesOf([change('articles/caf%C3%A9.md')])).toEqual(['articles/caf%C3%A9.md', 'articles/café.md']);
    expect(changesOf([change('articles/100%.md')])).toEqual(['articles/100%.md']);
  });

  it('gives the run the invocation time left less a reserve, a quarter of a short remainder at most', () => {
    expect(invocationDeadline(1_000, 300_000)).toBe(1_000 + 300_000 - INVOCATION_RESERVE_MS);
    expect(invocationDeadline(1_000, 8_000)).toBe(1_000 + 6_000);
    expect(invocationDeadline(1_000, 0)).toBe(1_000);
    expect(invocationDeadline(1_000, -5)).toBe(1_000);
    expect(invocationDeadline(1_000, undefined)).toBeUndefined();
  });
});
