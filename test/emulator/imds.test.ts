/**
 * The emulator's EC2 instance metadata service (IMDSv2), over HTTP as an instance would use it: an instance made
 * with the control API, a session token, then the signed instance identity document.
 *
 *   node --import tsx --test test/emulator/imds.test.ts
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import fs from 'node:fs';
import { test } from 'node:test';
import { clock, control, emulator, useEmulator } from '../support/emulator.js';

useEmulator();

interface CreatedInstance {
  instanceId: string;
  region: string;
  awsAccountId: string;
  imdsUrl: string;
}

const createInstance = (awsAccountId = '123456789012', region = 'eu-west-2') => control<CreatedInstance>('POST', '/_emulator/instances', { awsAccountId, region });

/** A token request; a null TTL sends no TTL header. */
async function token(imdsUrl: string, ttl: string | null = '21600') {
  return fetch(`${imdsUrl}/latest/api/token`, { method: 'PUT', headers: ttl === null ? {} : { 'x-aws-ec2-metadata-token-ttl-seconds': ttl } });
}

async function tokenText(imdsUrl: string, ttl = '21600') {
  const response = await token(imdsUrl, ttl);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return response.text();
}

const identity = (imdsUrl: string, what: 'document' | 'signature', sessionToken?: string) =>
  fetch(`${imdsUrl}/latest/dynamic/instance-identity/${what}`, { headers: sessionToken === undefined ? {} : { 'x-aws-ec2-metadata-token': sessionToken } });

test('an instance created on the controls serves its signed identity document through IMDSv2', async () => {
  const created = await createInstance();
  assert.match(created.instanceId, /^i-[0-9a-f]{17}$/);
  assert.equal(created.imdsUrl, `${emulator.url}/imds/${created.instanceId}`);
  assert.equal(emulator.imdsUrl(created.instanceId), created.imdsUrl);
  assert.deepEqual([created.region, created.awsAccountId], ['eu-west-2', '123456789012']);

  const sessionToken = await tokenText(created.imdsUrl);
  const documentResponse = await identity(created.imdsUrl, 'document', sessionToken);
  assert.equal(documentResponse.status, 200);
  const document = await documentResponse.text();
  const signatureResponse = await identity(created.imdsUrl, 'signature', sessionToken);
  assert.equal(signatureResponse.status, 200);
  const signature = await signatureResponse.text();

  const parsed = JSON.parse(document) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [
    'accountId',
    'architecture',
    'availabilityZone',
    'billingProducts',
    'devpayProductCodes',
    'marketplaceProductCodes',
    'imageId',
    'instanceId',
    'instanceType',
    'kernelId',
    'pendingTime',
    'privateIp',
    'ramdiskId',
    'region',
    'version',
  ]);
  assert.equal(document, JSON.stringify(parsed, null, 2), 'pretty-printed with a 2-space indent');
  assert.equal(parsed.accountId, '123456789012');
  assert.equal(parsed.architecture, 'x86_64');
  assert.equal(parsed.availabilityZone, 'eu-west-2a');
  assert.equal(parsed.region, 'eu-west-2');
  assert.equal(parsed.instanceId, created.instanceId);
  assert.equal(parsed.instanceType, 't3.medium');
  assert.equal(parsed.version, '2017-09-30');
  assert.match(String(parsed.imageId), /^ami-[0-9a-f]{17}$/);
  assert.match(String(parsed.privateIp), /^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);
  assert.equal(parsed.pendingTime, clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  for (const key of ['billingProducts', 'devpayProductCodes', 'marketplaceProductCodes', 'kernelId', 'ramdiskId']) assert.equal(parsed[key], null, key);

  assert.ok(signature.split('\n').every((line) => line.length <= 64));
  const certificateResponse = await fetch(`${emulator.url}/_emulator/imds/certificate.pem`);
  assert.equal(certificateResponse.status, 200);
  const certificatePem = await certificateResponse.text();
  assert.equal(certificatePem, emulator.imdsCertificatePem);
  assert.equal(fs.readFileSync(emulator.imdsCertificateFile, 'utf8'), certificatePem);
  assert.equal(emulator.portalEnv.INSTANCE_IDENTITY_CERT_FILE, emulator.imdsCertificateFile);
  const bytes = Buffer.from(signature.replace(/\s/g, ''), 'base64');
  assert.ok(verify('RSA-SHA256', Buffer.from(document), certificatePem, bytes), 'the signature verifies against the certificate');
  assert.ok(!verify('RSA-SHA256', Buffer.from(document.replace(created.instanceId, 'i-00000000000000000')), certificatePem, bytes));
  // The SNS key is another key.
  assert.ok(!verify('RSA-SHA256', Buffer.from(document), emulator.sns.certificatePem, bytes));

  assert.ok(emulator.state.instances.get(created.instanceId));
  const listed = await control<{ instances: (CreatedInstance & { availabilityZone: string })[] }>('GET', '/_emulator/instances');
  const row = listed.instances.find((i) => i.instanceId === created.instanceId);
  assert.equal(row?.imdsUrl, created.imdsUrl);
  assert.equal(row.availabilityZone, 'eu-west-2a');
});

test('IMDSv2 refuses requests without a live token of that instance', async () => {
  const a = await createInstance();
  const b = await createInstance('210987654321', 'us-east-1');
  const tokenOfB = await tokenText(b.imdsUrl);

  for (const what of ['document', 'signature'] as const) {
    const none = await identity(a.imdsUrl, what);
    assert.equal(none.status, 401, `no token: ${what}`);
    assert.match(none.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal((await identity(a.imdsUrl, what, tokenOfB)).status, 401, `another instance's token: ${what}`);
    assert.equal((await identity(a.imdsUrl, what, 'not-a-token')).status, 401, `unknown token: ${what}`);
  }
  assert.equal((await identity(b.imdsUrl, 'document', tokenOfB)).status, 200);

  // Expiry follows the emulator's clock (a ManualClock in these tests): move it on past the 1 s TTL.
  const shortLived = await tokenText(a.imdsUrl, '1');
  assert.equal((await identity(a.imdsUrl, 'document', shortLived)).status, 200);
  clock.advance(1_100);
  assert.equal((await identity(a.imdsUrl, 'document', shortLived)).status, 401, 'expired');
  assert.equal((await identity(a.imdsUrl, 'signature', shortLived)).status, 401, 'expired');
});

test('a token needs a TTL of 1 to 21600 seconds; an unknown instance is 404', async () => {
  const a = await createInstance();
  for (const ttl of [null, '0', '21601', 'abc', '-5', '1.5', '']) {
    const response = await token(a.imdsUrl, ttl);
    assert.equal(response.status, 400, `ttl ${String(ttl)}`);
    await response.body?.cancel();
  }
  const ok = await token(a.imdsUrl, '1');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '1');
  await ok.body?.cancel();

  const unknown = `${emulator.url}/imds/i-0123456789abcdef0`;
  assert.equal((await token(unknown)).status, 404);
  assert.equal((await identity(unknown, 'document', await tokenText(a.imdsUrl))).status, 404);
});

test('the control API refuses bad instance requests; the control page creates and lists instances', async () => {
  for (const input of [{ awsAccountId: '12345', region: 'us-east-1' }, { awsAccountId: '123456789012', region: 'mars' }, {}]) {
    const response = await fetch(`${emulator.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    assert.equal(response.status, 400, JSON.stringify(input));
    const json = (await response.json()) as { fields?: Record<string, string> };
    assert.ok(json.fields !== undefined && Object.keys(json.fields).length > 0);
  }

  const form = new URLSearchParams({ awsAccountId: '4444-5555-6666', region: 'ap-southeast-2', instanceType: 'm5.large' });
  const posted = await fetch(`${emulator.url}/_emulator/instances`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(posted.status, 303);
  const location = posted.headers.get('location') ?? '';
  assert.match(new URLSearchParams(location.slice(location.indexOf('?'))).get('notice') ?? '', /^Created i-[0-9a-f]{17}: its metadata service is http/);
  const instance = emulator.state.instances.list().find((i) => i.awsAccountId === '444455556666');
  assert.equal(instance?.instanceType, 'm5.large');
  assert.equal(instance.availabilityZone, 'ap-southeast-2a');

  const page = await (await fetch(`${emulator.url}${location}`)).text();
  assert.ok(page.includes(emulator.imdsUrl(instance.instanceId)), 'the IMDS URL is listed');
  assert.match(page, /<label for="field-instance-awsAccountId">AWS account ID<\/label>/);
  assert.match(page, /<input id="field-instance-awsAccountId" name="awsAccountId"/);
  assert.match(page, /<label for="field-instance-region">Region<\/label>/);
  assert.ok(page.includes(emulator.imdsCertificateFile));
});
