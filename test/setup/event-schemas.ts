/** Fails any test during which a helper saw a webhook body that does not match the published schema. */
import { afterEach } from 'vitest';
import { takeViolations } from '../helpers/event-schema.ts';

afterEach(() => {
  const violations = takeViolations();
  if (violations.length > 0) {
    throw new Error(`webhook bodies that do not match schemas/webhooks/schema.json:\n  ${violations.join('\n  ')}`);
  }
});
