import type { MailStatus } from '../db/schema.js';
import type { OutboxEnvelope, OutboxMessage } from '../mail/mailer.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { TableHead } from '../web/table-head.js';
import { Badge, EmptyState, Pager, When, type Shown } from './admin-table.js';

const STATUS: Record<MailStatus, Shown> = {
  kept: { label: 'Kept (no SMTP)', tone: 'pending' },
  pending: { label: 'Waiting to send', tone: 'pending' },
  sent: { label: 'Sent', tone: 'active' },
  failed: { label: 'Failed', tone: 'revoked' },
};

const COLUMNS = ['To', 'Subject', 'Status', 'Attempts', 'Queued', 'Sent', 'Body'] as const;

/** /admin/outbox: the emails the portal queued, newest first, a page at a time. */
export function OutboxListPage({ ctx, messages, nextHref, firstHref }: { ctx: AdminPageContext; messages: OutboxEnvelope[]; nextHref: string | undefined; firstHref: string | undefined }) {
  return (
    <AdminLayout title="Outbox" ctx={ctx}>
      <div class="page-head">
        <h1>Outbox</h1>
      </div>
      <p class="lead">Every email the portal queued, newest first. With no SMTP server configured the outbox is the only copy: open one to read its body and help the customer. A body is erased once its link or code expires, and after delivery.</p>
      {messages.length === 0 ? (
        <EmptyState title="No emails">{firstHref === undefined ? 'The portal has not queued any email yet (rows are kept 30 days).' : 'There are no older emails.'}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="outbox">
            <caption class="visually-hidden">Emails queued by the portal, newest first</caption>
            <TableHead columns={COLUMNS} />
            <tbody>
              {messages.map((m) => (
                <tr key={m.id}>
                  <td data-label={COLUMNS[0]}>{m.to}</td>
                  <td data-label={COLUMNS[1]} class="wrap">
                    {m.subject}
                  </td>
                  <td data-label={COLUMNS[2]}>
                    <Badge {...STATUS[m.status]} />
                  </td>
                  <td data-label={COLUMNS[3]}>{m.attempts}</td>
                  <td data-label={COLUMNS[4]}>
                    <When at={m.createdAt} />
                  </td>
                  <td data-label={COLUMNS[5]}><When at={m.sentAt} /></td>
                  <td data-label={COLUMNS[6]}>
                    <a href={`/admin/outbox/${m.id}`}>
                      {m.hasBody ? 'Read' : 'Details'}
                      <span class="visually-hidden">{` the email “${m.subject}” to ${m.to}`}</span>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Outbox pages" firstHref={firstHref} nextHref={nextHref} />
    </AdminLayout>
  );
}

/** One email: its envelope and, while it is kept, its body (each view audited: it holds customers' links). */
export function OutboxMessagePage({ ctx, message }: { ctx: AdminPageContext; message: OutboxMessage }) {
  return (
    <AdminLayout title={message.subject} ctx={ctx}>
      <p>
        <a href="/admin/outbox">← Outbox</a>
      </p>
      <div class="page-head">
        <h1>{message.subject}</h1>
      </div>
      <section class="panel" aria-labelledby="envelope-heading">
        <h2 id="envelope-heading">Envelope</h2>
        <dl class="facts">
          <dt>To</dt>
          <dd>{message.to}</dd>
          <dt>Status</dt>
          <dd>
            <Badge {...STATUS[message.status]} />
          </dd>
          <dt>Email</dt>
          <dd class="mono">{message.template}</dd>
          <dt>Attempts</dt>
          <dd>{message.attempts}</dd>
          <dt>Queued</dt>
          <dd>
            <When at={message.createdAt} />
          </dd>
          <dt>Sent</dt>
          <dd><When at={message.sentAt} /></dd>
          <dt>Secret expires</dt>
          <dd><When at={message.secretExpiresAt} empty="Holds no secret" /></dd>
          {message.lastError === null ? null : (
            <>
              <dt>Last error</dt>
              <dd>{message.lastError}</dd>
            </>
          )}
        </dl>
      </section>
      <section class="panel" aria-labelledby="body-heading">
        <h2 id="body-heading">Body</h2>
        {message.text === undefined ? (
          <p class="hint">
            {message.status === 'sent' ? 'Erased: the email was delivered, and the portal keeps no copy of a delivered body.' : 'Erased: the link or code in it has expired, so the body is no longer kept.'}
          </p>
        ) : (
          <>
            <p class="hint">This view is recorded in the audit log. Links in it work for the customer: pass them on only to the person the email is for.</p>
            <pre class="raw-body" tabIndex={0} aria-label="Email body">
              {message.text}
            </pre>
          </>
        )}
      </section>
    </AdminLayout>
  );
}
