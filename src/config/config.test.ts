import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

const CWD = path.resolve('/srv/portal');
const SECRET = 'a-secret-key-of-at-least-32-characters-long';
const DATABASE_URL = 'postgres://portal:secret@db.internal:5432/webstream';

/** The problems loadConfig reports for env (fails when it does not throw a ConfigError). */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.message, `Invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    return error.problems;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

void test('defaults: embedded database under ./data, port 3000 on 127.0.0.1, plain http', () => {
  const config = loadConfig({}, CWD);
  assert.equal(config.port, 3000);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.publicUrl.href, 'http://localhost:3000/');
  assert.equal(config.secureCookies, false);
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, path.join(CWD, 'data'));
  assert.equal(config.smtpUrl, undefined);
  assert.equal(config.mailFrom, 'WebStream Licence Portal <no-reply@localhost>');
  assert.equal(config.secretKey, undefined, 'embedded mode may leave SECRET_KEY unset (a key file is made under DATA_DIR)');
  assert.equal(config.awsRegion, 'us-east-1');
  assert.equal(config.awsEndpointUrl, undefined);
  assert.equal(config.marketplaceProductCode, undefined);
  assert.equal(config.marketplaceQueueUrl, undefined);
  assert.equal(config.trustProxy, false);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.development, true);
});

void test('blank and whitespace-only values count as unset', () => {
  const config = loadConfig({ PORT: '  ', PUBLIC_URL: '', DATABASE_URL: ' ', SECRET_KEY: '   ', LOG_LEVEL: '' }, CWD);
  assert.equal(config.port, 3000);
  assert.equal(config.publicUrl.href, 'http://localhost:3000/');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.secretKey, undefined);
  assert.equal(config.logLevel, 'info');
});

void test('the default PUBLIC_URL follows PORT; PORT 0 (any free port) is allowed', () => {
  assert.equal(loadConfig({ PORT: '8080' }, CWD).publicUrl.href, 'http://localhost:8080/');
  assert.equal(loadConfig({ PORT: '0' }, CWD).port, 0);
  assert.equal(loadConfig({ PORT: '65535' }, CWD).port, 65535);
});

void test('an https PUBLIC_URL turns on secure cookies; its host names the default sender', () => {
  const config = loadConfig({ PUBLIC_URL: 'https://licences.example.com' }, CWD);
  assert.equal(config.secureCookies, true);
  assert.equal(config.publicUrl.origin, 'https://licences.example.com');
  assert.equal(config.mailFrom, 'WebStream Licence Portal <no-reply@licences.example.com>');
  assert.equal(loadConfig({ PUBLIC_URL: 'http://licences.example.com' }, CWD).secureCookies, false);
});

void test('values given are used as given', () => {
  const config = loadConfig(
    {
      PORT: '4000',
      HOST: '0.0.0.0',
      DATABASE_URL,
      SECRET_KEY: SECRET,
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      MAIL_FROM: 'Licences <licences@example.com>',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      MARKETPLACE_PRODUCT_CODE: 'abc123',
      MARKETPLACE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
    },
    CWD,
  );
  assert.equal(config.port, 4000);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.databaseUrl, DATABASE_URL);
  assert.equal(config.secretKey, SECRET);
  assert.equal(config.smtpUrl, 'smtps://user:pass@mail.example.com:465');
  assert.equal(config.mailFrom, 'Licences <licences@example.com>');
  assert.equal(config.awsRegion, 'eu-west-1');
  assert.equal(config.awsEndpointUrl, 'http://localhost:4566');
  assert.equal(config.marketplaceProductCode, 'abc123');
  assert.equal(config.marketplaceQueueUrl, 'https://sqs.eu-west-1.amazonaws.com/123456789012/q');
  assert.equal(config.trustProxy, true);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.development, false);
});

void test('DATA_DIR is resolved against the working directory', () => {
  assert.equal(loadConfig({ DATA_DIR: 'var/portal' }, CWD).dataDir, path.join(CWD, 'var', 'portal'));
  assert.equal(loadConfig({ DATA_DIR: path.resolve('/data/portal') }, CWD).dataDir, path.resolve('/data/portal'));
});

void test('SECRET_KEY is required with DATABASE_URL (no DATA_DIR key file to fall back on)', () => {
  const problems = problemsOf({ DATABASE_URL });
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /SECRET_KEY is required when DATABASE_URL is set/);
  assert.equal(loadConfig({ DATABASE_URL, SECRET_KEY: SECRET }, CWD).databaseUrl, DATABASE_URL);
  assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u:p@h/db', SECRET_KEY: SECRET }, CWD).databaseUrl, 'postgresql://u:p@h/db');
});

void test('a SECRET_KEY shorter than 32 characters is refused', () => {
  assert.match(problemsOf({ SECRET_KEY: 'short' }).join('\n'), /SECRET_KEY must be at least 32 characters/);
  assert.equal(loadConfig({ SECRET_KEY: 'x'.repeat(32) }, CWD).secretKey, 'x'.repeat(32));
});

for (const port of ['abc', '-1', '65536', '80.5', '3000abc']) {
  void test(`PORT=${port} is refused with a message naming PORT`, () => {
    assert.deepEqual(problemsOf({ PORT: port }), [`PORT must be a port number between 0 and 65535, got "${port}"`]);
  });
}

void test('PORT accepts decimal digits only', () => {
  for (const port of ['0x50', '1e3', '8080.0']) assert.match(problemsOf({ PORT: port }).join('\n'), /PORT must be a port number/);
});

void test('URLs are checked: PUBLIC_URL, DATABASE_URL, SMTP_URL, AWS_ENDPOINT_URL, MARKETPLACE_QUEUE_URL', () => {
  assert.match(problemsOf({ PUBLIC_URL: 'not a url' }).join('\n'), /PUBLIC_URL is not a valid URL: "not a url"/);
  assert.match(problemsOf({ PUBLIC_URL: 'ftp://example.com' }).join('\n'), /PUBLIC_URL must be an http:\/\/ or https:\/\/ URL/);
  assert.match(problemsOf({ DATABASE_URL: 'mysql://u:p@h/db', SECRET_KEY: SECRET }).join('\n'), /DATABASE_URL must be a PostgreSQL URL/);
  assert.match(problemsOf({ SMTP_URL: 'http://mail.example.com' }).join('\n'), /SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
  assert.match(problemsOf({ AWS_ENDPOINT_URL: 'not a url' }).join('\n'), /AWS_ENDPOINT_URL must be an http/);
  assert.match(problemsOf({ AWS_ENDPOINT_URL: 'localhost:4566' }).join('\n'), /AWS_ENDPOINT_URL must be an http/);
  assert.match(problemsOf({ MARKETPLACE_QUEUE_URL: 'queue' }).join('\n'), /MARKETPLACE_QUEUE_URL must be an http/);
});

void test('LOG_LEVEL and TRUST_PROXY take only their known values', () => {
  assert.match(problemsOf({ LOG_LEVEL: 'loud' }).join('\n'), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
  assert.match(problemsOf({ TRUST_PROXY: 'yes' }).join('\n'), /TRUST_PROXY must be true or false/);
  assert.equal(loadConfig({ TRUST_PROXY: 'false' }, CWD).trustProxy, false);
  assert.equal(loadConfig({ LOG_LEVEL: 'silent' }, CWD).logLevel, 'silent');
});

void test('every problem is reported at once, in one ConfigError', () => {
  const problems = problemsOf({
    PORT: 'abc',
    PUBLIC_URL: 'ftp://example.com',
    DATABASE_URL,
    SMTP_URL: 'mail.example.com',
    AWS_ENDPOINT_URL: 'nope',
    MARKETPLACE_QUEUE_URL: 'nope',
    LOG_LEVEL: 'loud',
    TRUST_PROXY: 'maybe',
  });
  assert.equal(problems.length, 8, problems.join('\n'));
  for (const name of ['PORT', 'PUBLIC_URL', 'SMTP_URL', 'SECRET_KEY', 'AWS_ENDPOINT_URL', 'MARKETPLACE_QUEUE_URL', 'LOG_LEVEL', 'TRUST_PROXY']) {
    assert.ok(
      problems.some((p) => p.startsWith(name)),
      `${name} missing from:\n${problems.join('\n')}`,
    );
  }
});

void test('Marketplace notifications: the queue needs the product code; SNS checks are loosened only outside production', () => {
  assert.match(problemsOf({ MARKETPLACE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' }).join('\n'), /MARKETPLACE_QUEUE_URL needs MARKETPLACE_PRODUCT_CODE/);
  const defaults = loadConfig({}, CWD);
  assert.ok(defaults.snsCertHostPattern.test('sns.us-east-1.amazonaws.com') && defaults.snsCertHostPattern.test('sns.cn-north-1.amazonaws.com.cn'));
  assert.ok(!defaults.snsCertHostPattern.test('sns.us-east-1.amazonaws.com.evil.example') && !defaults.snsCertHostPattern.test('127.0.0.1:4443'));
  assert.equal(defaults.snsCaFile, undefined);
  const dev = loadConfig({ MARKETPLACE_SNS_HOST_PATTERN: '^127\\.0\\.0\\.1:\\d+$', MARKETPLACE_SNS_CA_FILE: 'emulator.pem' }, CWD);
  assert.ok(dev.snsCertHostPattern.test('127.0.0.1:4443'));
  assert.equal(dev.snsCaFile, path.join(CWD, 'emulator.pem'));
  assert.match(problemsOf({ MARKETPLACE_SNS_HOST_PATTERN: '(' }).join('\n'), /MARKETPLACE_SNS_HOST_PATTERN must be a regular expression/);
  const production = problemsOf({ NODE_ENV: 'production', MARKETPLACE_SNS_HOST_PATTERN: '.*', MARKETPLACE_SNS_CA_FILE: 'x.pem', INSTANCE_IDENTITY_CERT_FILE: 'imds.pem' });
  assert.equal(production.length, 3, production.join('\n'));
  assert.match(production.join('\n'), /INSTANCE_IDENTITY_CERT_FILE is for the emulator and tests only/);
  assert.equal(loadConfig({ INSTANCE_IDENTITY_CERT_FILE: 'imds.pem' }, CWD).instanceIdentityCertFile, path.join(CWD, 'imds.pem'));
  assert.equal(defaults.instanceIdentityCertFile, undefined);
  assert.match(production.join('\n'), /MARKETPLACE_SNS_HOST_PATTERN is for development and tests only[\s\S]*MARKETPLACE_SNS_CA_FILE is for development and tests only/);
});

test('MARKETPLACE_LANDINGS_PER_MINUTE defaults to 20 and must be a whole number from 1 to 10000', () => {
  assert.equal(loadConfig({}).marketplaceLandingsPerMinute, 20);
  assert.equal(loadConfig({ MARKETPLACE_LANDINGS_PER_MINUTE: '500' }).marketplaceLandingsPerMinute, 500);
  for (const bad of ['0', '-1', '1.5', 'lots', '10001']) {
    assert.ok(problemsOf({ MARKETPLACE_LANDINGS_PER_MINUTE: bad }).some((p) => p.startsWith('MARKETPLACE_LANDINGS_PER_MINUTE must be')), bad);
  }
});
