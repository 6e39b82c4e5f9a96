/**
 * The layering rules of eslint.layers.js: the folder table is a DAG that covers every folder of src/, each
 * rule fires on a deliberate violation (and stays quiet on an allowed import), and today's tree keeps them.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { FEATURES, LAYERS, layerRules } from '../../eslint.layers.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser }, linterOptions: { reportUnusedDisableDirectives: 'off' } }, ...layerRules()],
});

/** The layering messages ESLint gives for one line of code placed at `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('the folder table is a DAG and names every folder of src/', () => {
  const folders = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  const undeclared = folders.filter((f) => !(f in LAYERS) && f !== 'cli');
  assert.deepEqual(undeclared, [], 'a new folder of src/ must take its place in eslint.layers.js');
  for (const [folder, allowed] of Object.entries(LAYERS)) {
    for (const dependency of allowed) assert.ok(dependency in LAYERS, `${folder} may import ${dependency}, which is not declared`);
  }
  // Kahn's algorithm: a table with a loop leaves folders that never become free.
  const remaining = new Map(Object.entries(LAYERS).map(([folder, allowed]) => [folder, new Set(allowed)]));
  let freed = true;
  while (freed) {
    freed = false;
    for (const [folder, allowed] of remaining) {
      if ([...allowed].every((d) => !remaining.has(d))) {
        remaining.delete(folder);
        freed = true;
      }
    }
  }
  assert.deepEqual([...remaining.keys()], [], 'folders that import each other in a loop');
  for (const platform of ['core', 'config', 'db', 'http', 'web']) {
    const reached = (LAYERS[platform] ?? []).filter((d) => FEATURES.includes(d));
    assert.deepEqual(reached, [], `${platform} must import no feature`);
  }
});

const refused: [string, string, RegExp][] = [
  ['src/core/probe.ts', "import { createAccountsRepo } from '../accounts/accounts.repo.js';", /src\/core\/ may import only itself/],
  ['src/core/probe.ts', "import type { Config } from '../config/config.js';", /src\/core\/ may import only itself/],
  ['src/http/probe.ts', "import { requireAccount } from '../sessions/session.plugin.js';", /src\/http\/ may import only core\/, config\/, db\/, web\//],
  ['src/web/probe.tsx', "import { formatAccountId } from '../accounts/account-id.js';", /src\/web\//],
  ['src/accounts/probe.ts', "import type { Services } from '../services.js';", /src\/accounts\//],
  ['src/licences/probe.ts', "import { buildApp } from '../app.js';", /src\/licences\//],
  ['src/licences/probe.ts', "import { adminRoutes } from '../admin/admin.routes.js';", /src\/licences\//],
  ['src/sessions/probe.ts', "import type { SignInService } from '../sign-in/sign-in.service.js';", /src\/sessions\//],
  ['src/mfa/probe.ts', "import { signInRoutes } from '../sign-in/sign-in.routes.js';", /src\/mfa\//],
  ['src/marketplace/landing.service.ts', "import { ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering';", /Only src\/marketplace\/aws-clients\.ts talks to the AWS SDK/],
  ['src/cli/probe.ts', "import { SQSClient } from '@aws-sdk/client-sqs';", /AWS SDK/],
  ['src/emulator/probe.tsx', "import { Layout } from '../web/layout.js';", /src\/emulator\/ may import only core\//],
  ['src/emulator/probe.ts', "import { createServices } from '../services.js';", /src\/emulator\//],
  ['src/db/migrations/probe.ts', "import { createLicencesRepo } from '../../licences/licences.repo.js';", /src\/db\//],
  ['src/app.ts', "import { startEmulator } from './emulator/emulator.server.js';", /composition root/],
  // No feature imports the admin panel, and the admin panel reaches no root file or the CLI.
  ['src/accounts/probe.ts', "import { can } from '../admin/policy.js';", /src\/accounts\//],
  ['src/account-proofs/probe.ts', "import { can } from '../admin/policy.js';", /src\/account-proofs\//],
  ['src/http/probe.ts', "import { can } from '../admin/policy.js';", /src\/http\//],
  ['src/admin/probe.ts', "import type { Services } from '../services.js';", /src\/admin\//],
  ['src/admin/probe.ts', "import { buildProgram } from '../cli/main.js';", /src\/admin\//],
  ['src/admin/probe.ts', "import { startEmulator } from '../emulator/emulator.server.js';", /src\/admin\//],
];

for (const [filePath, code, message] of refused) {
  test(`refused: ${filePath}: ${code}`, async () => {
    const found = await violations(filePath, code);
    assert.equal(found.length, 1, `expected one layering error, got ${JSON.stringify(found)}`);
    assert.match(found[0] ?? '', message);
  });
}

const allowed: [string, string][] = [
  ['src/sign-in/probe.ts', "import { createAccountsRepo } from '../accounts/accounts.repo.js';"],
  ['src/accounts/probe.ts', "import { AppError } from '../core/errors.js';"],
  ['src/accounts/probe.ts', "import { emailProblem } from './email.js';"],
  ['src/marketplace/aws-clients.ts', "import { SQSClient } from '@aws-sdk/client-sqs';"],
  ['src/emulator/probe.ts', "import { SQSClient } from '@aws-sdk/client-sqs';"],
  ['src/emulator/probe.ts', "import { systemClock } from '../core/clock.js';"],
  ['src/db/migrations/probe.ts', "import type { Db } from '../database.js';"],
  ['src/app.ts', "import { signInRoutes } from './sign-in/sign-in.routes.js';"],
  ['src/admin/probe.ts', "import { createAccountsRepo } from '../accounts/accounts.repo.js';"],
  ['src/admin/probe.ts', "import { createMarketplace } from '../marketplace/marketplace.service.js';"],
  ['src/admin/probe.ts', "import { staffContext } from '../http/staff-context.js';"],
  ['src/app.ts', "import { adminRoutes } from './admin/admin.routes.js';"],
];

for (const [filePath, code] of allowed) {
  test(`allowed: ${filePath}: ${code}`, async () => {
    assert.deepEqual(await violations(filePath, code), []);
  });
}

test("today's src/ keeps every layering rule", async () => {
  const results = await eslint.lintFiles(['src']);
  const broken = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}:${m.line} ${m.message}`));
  assert.deepEqual(broken, []);
});
