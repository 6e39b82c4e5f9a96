/**
 * /admin/audit and /admin/: the audit log's filters and keyset pages, its CSV export (content, escaping: a
 * value starting with = cannot run as a formula), who may see them, and the dashboard's figures and charts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { registeredAccount } from '../support/accounts.js';
import { staffHelpers, type EnrolledStaff } from '../support/staff.js';
import { createTestPortal, issueLicence, type TestPortal } from '../support/test-portal.js';

let portal: TestPortal;
let admin: EnrolledStaff;
const h = staffHelpers(() => portal);
before(async () => {
  portal = await createTestPortal();
  admin = await h.enrolledStaff('auditor-admin@webstream.example', 'admin');
});
after(() => portal.close());

const record = (event: Parameters<TestPortal['services']['audit']['record']>[0]) => portal.services.audit.record(event);

test('filters narrow the log, bad values are named, and pages walk back through time without gaps', async () => {
  const agent = await h.signedInStaff(admin);
  for (let i = 0; i < 120; i++) await record({ event: 'sign_in.failed', actor: 'anonymous', awsAccountId: '555500001111', ip: `198.51.100.${i % 250}`, details: { n: i } });
  await record({ event: 'licence.transition', actor: 'staff:someone@webstream.example', awsAccountId: '555500001111', reason: 'Customer asked to pause', details: { action: 'suspend' } });

  const all = await agent.get('/admin/audit?event=sign_in.failed&account=5555-0000-1111');
  assert.equal(all.status, 200);
  assert.equal((all.body.match(/<tr>/g) ?? []).length - 1, 50, 'a page of 50 (plus the header row)');
  const next = /href="(\/admin\/audit\?[^"]*after=[^"]+)"[^>]*rel="next"/.exec(all.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(next !== undefined, 'a link to older entries');
  const seen = new Set<string>();
  let url: string | undefined = '/admin/audit?event=sign_in.failed&account=555500001111';
  let pages = 0;
  while (url !== undefined) {
    const page = await agent.get(url);
    for (const m of page.body.matchAll(/{&quot;n&quot;:(\d+)}/g)) seen.add(m[1] ?? '');
    url = /href="(\/admin\/audit\?[^"]*after=[^"]+)"[^>]*rel="next"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    pages += 1;
  }
  assert.equal(pages, 3);
  assert.equal(seen.size, 120, 'every entry once');

  const staffOnly = await agent.get('/admin/audit?actor=staff&event=licence.');
  assert.match(staffOnly.body, /Customer asked to pause/);
  assert.doesNotMatch(staffOnly.body, /sign_in\.failed<\/a>/);

  const bad = await agent.get('/admin/audit?account=12345&from=yesterday');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /role="alert"/);
  assert.match(bad.body, /exactly 12 digits/);
  assert.match(bad.body, /Enter a date as 2026-12-31/);
  assert.match(bad.body, /aria-invalid="true"/);
});

test('the CSV export streams the filtered rows, escapes formulas and quotes, and is audited', async () => {
  const agent = await h.signedInStaff(admin);
  await record({ event: 'settings.changed', actor: 'staff:x@webstream.example', awsAccountId: null, reason: '=HYPERLINK("http://evil.example","click")', details: { note: 'comma, "quoted"' } });
  await record({ event: 'settings.changed', actor: 'staff:x@webstream.example', reason: '+1+1', details: {} });
  const response = await agent.get('/admin/audit/export.csv?event=settings.changed&actor=staff:x@webstream.example');
  assert.equal(response.status, 200);
  assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/);
  assert.match(String(response.headers['content-disposition']), /^attachment; filename="audit-log-\d{8}-\d{6}\.csv"$/);
  const lines = response.body.trimEnd().split('\r\n');
  assert.equal(lines[0], 'time,event,actor,aws_account_id,address,reason,details');
  assert.equal(lines.length, 3);
  assert.match(lines[1] ?? '', /^\d{4}-\d{2}-\d{2}T[^,]+,settings\.changed,staff:x@webstream\.example,,,'\+1\+1,\{\}$/);
  assert.ok(lines[2]?.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), lines[2]);
  assert.ok(lines[2]?.includes(`"{""note"":""comma, \\""quoted\\""""}"`), lines[2]);
  for (const line of lines.slice(1)) for (const cell of line.split(',')) assert.doesNotMatch(cell, /^"?[=+@]/, 'no cell starts a formula');
  const exported = await portal.services.db.selectFrom('audit_events').selectAll().where('event', '=', 'audit.exported').execute();
  assert.equal(exported.at(-1)?.actor, 'staff:auditor-admin@webstream.example');
});

test('read-only staff see and export the log; a customer session gets nothing; a signed-out browser is sent to sign in', async () => {
  const readOnly = await h.signedInStaff(await h.enrolledStaff('auditor-ro@webstream.example', 'read-only'));
  assert.equal((await readOnly.get('/admin/audit')).status, 200);
  assert.equal((await readOnly.get('/admin/audit/export.csv')).status, 200);
  const customer = await registeredAccount(portal, '777700001111');
  const asCustomer = await customer.get('/admin/audit');
  assert.equal(asCustomer.status, 303);
  assert.match(asCustomer.location ?? '', /^\/admin\/sign-in/);
  assert.equal((await customer.get('/admin/audit/export.csv')).status, 303);
});

test('the dashboard counts customers, licences, seats, requests and endings, and draws a month of sign-ins and new licences', async () => {
  const agent = await h.signedInStaff(admin);
  const before = await agent.get('/admin/');
  const figure = (body: string, label: string) => Number(new RegExp(`<span class="figure-value">([\\d,]+)</span><span class="figure-label">${label}</span>`).exec(body)?.[1]?.replace(/,/g, '') ?? 'NaN');
  const base = { customers: figure(before.body, 'Customers'), active: figure(before.body, 'Active licences'), pending: figure(before.body, 'Pending requests'), ending: figure(before.body, 'Licences ending within 30 days') };
  assert.ok(Number.isInteger(base.customers), before.body.slice(0, 2000));
  await registeredAccount(portal, '666600003333');
  await issueLicence(portal, '666600001111', { days: 10 });
  await portal.services.licences.create({ awsAccountId: '666600002222', plan: 'standard', seats: 1, source: 'direct', endsAt: null }, 'request', { actor: 'test', reason: 'asked' });
  for (let i = 0; i < 3; i++) await record({ event: 'sign_in.succeeded', actor: 'account:666600001111' });
  await record({ event: 'sign_in.failed', actor: 'anonymous' });
  portal.clock.advance(61_000);
  const page = await agent.get('/admin/');
  assert.equal(page.status, 200);
  assert.equal(figure(page.body, 'Customers'), base.customers + 1);
  assert.equal(figure(page.body, 'Active licences'), base.active + 2);
  assert.equal(figure(page.body, 'Pending requests'), base.pending + 1);
  assert.equal(figure(page.body, 'Licences ending within 30 days'), base.ending + 1);
  assert.match(page.body, /<svg viewBox="0 0 640 200" role="img" aria-labelledby="sign-ins-svg-title sign-ins-svg-desc"/);
  assert.match(page.body, /Succeeded: [1-9]\d*/);
  assert.match(page.body, /Failed: [1-9]\d*/);
  assert.doesNotMatch(page.body, /<svg[^]*style=/, 'no inline style: the CSP would refuse it');
  assert.match(page.body, /href="\/admin\/licences\?view=requests"/);
});
