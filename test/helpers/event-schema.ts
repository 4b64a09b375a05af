/**
 * Validates webhook bodies against the published JSON Schema (schemas/webhooks/schema.json, read from the
 * repository as a receiver would get it), with ajv. Receivers and recording queues in the test helpers report
 * every event they see here; test/setup/event-schemas.ts fails the test that produced an invalid one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SCHEMA_DIR = resolve(import.meta.dirname, '../../schemas/webhooks');

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(resolve(SCHEMA_DIR, 'schema.json'), 'utf8')));

/** Why `body` (a webhook body, parsed or not) does not match the schema, or null when it does. */
export function schemaViolation(body: unknown): string | null {
  const value = typeof body === 'string' ? JSON.parse(body) : body;
  if (validate(value)) return null;
  const type = (value as { type?: unknown } | null)?.type;
  // oneOf reports every branch; the one whose `type` matches says what is wrong.
  const errors = (validate.errors ?? []).filter((e) => e.schemaPath.startsWith(`#/$defs/${String(type)}/`));
  const shown = (errors.length > 0 ? errors : (validate.errors ?? [])).slice(0, 5);
  return `${String(type)}: ${shown.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`;
}

const violations: string[] = [];

/** Checks one event body (as sent: `{type, timestamp, data}`) and remembers a violation for the running test. */
export function checkEventBody(body: unknown): void {
  let violation: string | null;
  try {
    violation = schemaViolation(body);
  } catch (error) {
    violation = `not JSON: ${(error as Error).message}`;
  }
  if (violation !== null) violations.push(violation);
}

/** Checks an event as the pipeline holds it (`{id, type, timestamp, data}`). */
export function checkEvent(event: { type: string; timestamp: string; data: unknown }): void {
  checkEventBody({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/** The violations seen since the last call, which are forgotten. */
export function takeViolations(): string[] {
  return violations.splice(0);
}
