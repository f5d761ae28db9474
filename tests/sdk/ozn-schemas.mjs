#!/usr/bin/env node
// Validates JSON documents against the zod schemas of OZmap's official OZneutral package
// (@ozmap/ozn-sdk 0.0.1-VLD-3).
//
//   node tests/sdk/ozn-schemas.mjs < documents.json
//
// stdin: a JSON array of {"schema": <exported name>, "value": <document>}; names of the Auth
// namespace are written "Auth.tokenOutputSchema". stdout: a JSON array, in order, of
// {"schema", "ok", "issues"} (zod's issues: path and message). Exits 2 on an unknown name.

import { readFileSync } from 'node:fs';

const sdk = await import('@ozmap/ozn-sdk');
// the package's index does not re-export its service-inventory schemas: read them where they are
const inventory = await import('@ozmap/ozn-sdk/dist/src/types/service-inventory.js');
const exported = { ...(inventory.default ?? inventory), ...(sdk.default ?? sdk) };

function schemaNamed(name) {
  const [head, tail] = name.split('.');
  const found = tail ? (exported[head] ?? sdk[head])?.[tail] : exported[head] ?? sdk[head];
  if (!found || typeof found.safeParse !== 'function') {
    process.stderr.write(`no zod schema named ${name} in @ozmap/ozn-sdk\n`);
    process.exit(2);
  }
  return found;
}

const documents = JSON.parse(readFileSync(0, 'utf8'));
const results = documents.map(({ schema, value }) => {
  const parsed = schemaNamed(schema).safeParse(value);
  return {
    schema,
    ok: parsed.success,
    issues: parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
  };
});
process.stdout.write(JSON.stringify(results));
