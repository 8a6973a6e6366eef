#!/usr/bin/env node
// Prints the plain CI summary line "N passed, N failed, N skipped" from vitest's JSON report.
// If the report is missing (type check or lint failed before vitest ran) the failure still counts.
import { existsSync, readFileSync } from 'node:fs';

const [file = 'test-results/vitest.json', status = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(file)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = r.numFailedTests ?? 0;
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A suite that failed to load has no test results but is still a failure.
  const brokenSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  failed += brokenSuites;
}
if (status !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
