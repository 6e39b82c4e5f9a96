/**
 * The layering of src/, as lint rules. Each folder names the folders it may import besides itself; the
 * table reads top to bottom (a folder lists only folders above it), so the folder graph is a DAG by
 * construction, and test/lint/layering.test.ts checks both that and that each rule fires.
 *
 *   cli → app.ts / services.ts / server.ts → features (admin → marketplace … → sessions → settings, audit,
 *   throttle, mail) → platform (http, web, db, config) → core
 *
 * The root files (app.ts, services.ts, server.ts) are the composition root: only cli and each other
 * import them, so no feature reaches the whole services object.
 */

const CORE = ['core'];
const PLATFORM = ['core', 'config', 'db', 'http', 'web'];

/** @type {Record<string, string[]>} folder of src/ → the folders it may import. */
export const LAYERS = {
  core: [],
  config: CORE,
  db: ['core', 'config'],
  web: CORE,
  http: ['core', 'config', 'db', 'web'],

  // Features, lowest first.
  audit: PLATFORM,
  settings: PLATFORM,
  throttle: PLATFORM,
  mail: PLATFORM,
  sessions: [...PLATFORM, 'settings'],
  licences: [...PLATFORM, 'audit', 'sessions'],
  accounts: [...PLATFORM, 'audit', 'licences', 'mail', 'sessions', 'throttle'],
  mfa: [...PLATFORM, 'accounts', 'audit', 'mail', 'sessions', 'settings', 'throttle'],
  'sign-in': [...PLATFORM, 'accounts', 'audit', 'mfa', 'sessions', 'settings', 'throttle'],
  'account-settings': [...PLATFORM, 'accounts', 'audit', 'mail', 'mfa', 'sessions', 'settings', 'throttle'],
  marketplace: [...PLATFORM, 'accounts', 'audit', 'licences', 'sessions', 'settings', 'sign-in'],
  'licence-files': [...PLATFORM, 'audit'],
  'instance-identity': CORE,
  activations: [...PLATFORM, 'audit', 'instance-identity', 'licences', 'settings'],
  'account-proofs': [...PLATFORM, 'accounts', 'audit', 'instance-identity', 'licences', 'sessions', 'sign-in'],
  // The admin panel sits on top of every feature: it may call them all, and none of them imports it.
  admin: [...PLATFORM, 'audit', 'settings', 'throttle', 'mail', 'sessions', 'licences', 'accounts', 'mfa', 'sign-in', 'account-settings', 'marketplace', 'licence-files', 'instance-identity', 'activations', 'account-proofs'],

  // The AWS emulator is a separate program that shares only the basics.
  emulator: CORE,
};

/** Folders that are features: platform and core import none of them, and none imports admin/. */
export const FEATURES = ['audit', 'settings', 'throttle', 'mail', 'sessions', 'licences', 'accounts', 'mfa', 'sign-in', 'account-settings', 'marketplace', 'licence-files', 'instance-identity', 'activations', 'account-proofs', 'admin'];

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Only the AWS adapter speaks to the SDK; the rest of the portal uses the portal's own types. */
const AWS_SDK = { group: ['@aws-sdk/*'], message: 'Only src/marketplace/aws-clients.ts talks to the AWS SDK: use its functions and types.' };

/** A relative import leaving `folder` for anything not in `allowed` (root files included). */
function outsideAllowed(folder, allowed, up) {
  const names = allowed.map(escape).join('|');
  return {
    regex: allowed.length === 0 ? `^${up}` : `^${up}(?!(?:${names})/)`,
    message: `src/${folder}/ may import only ${allowed.length === 0 ? 'itself' : allowed.map((a) => `${a}/`).join(', ')} (see eslint.layers.js).`,
  };
}

/** The flat-config objects: one per folder, plus the root files and the AWS adapter. */
export function layerRules() {
  const configs = [];
  for (const [folder, allowed] of Object.entries(LAYERS)) {
    const mayUseSdk = folder === 'emulator';
    configs.push({
      files: [`src/${folder}/*.ts`, `src/${folder}/*.tsx`],
      rules: { 'no-restricted-imports': ['error', { patterns: [outsideAllowed(folder, allowed, '\\.\\./'), ...(mayUseSdk ? [] : [AWS_SDK])] }] },
    });
    // One folder down (src/db/migrations/): `../` is the folder itself, `../../` leaves it.
    configs.push({
      files: [`src/${folder}/*/*.ts`, `src/${folder}/*/*.tsx`],
      rules: { 'no-restricted-imports': ['error', { patterns: [outsideAllowed(folder, allowed, '\\.\\./\\.\\./'), ...(mayUseSdk ? [] : [AWS_SDK])] }] },
    });
  }
  configs.push({
    files: ['src/marketplace/aws-clients.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [outsideAllowed('marketplace', LAYERS.marketplace, '\\.\\./')] }] },
  });
  configs.push({ files: ['src/cli/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [AWS_SDK] }] } });
  configs.push({
    files: ['src/app.ts', 'src/services.ts', 'src/server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\./(?:cli|emulator)/', message: 'The composition root builds the portal; the CLI and the emulator sit above or beside it.' }, AWS_SDK] },
      ],
    },
  });
  return configs;
}
