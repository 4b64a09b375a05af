/** Writes schemas/webhooks/*.json from functions/core/event-schemas.ts (`npm run schemas`). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { schemaFiles } from '../functions/core/event-schemas.ts';

const dir = resolve(import.meta.dirname, '../schemas/webhooks');
await mkdir(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) await writeFile(join(dir, name), text);
process.stdout.write(`wrote ${Object.keys(schemaFiles()).length} schemas to ${dir}\n`);
