/** The emulator's control page: subscriptions and their notifications, EC2 instances, fault injection, queues, deliveries. */
import type { PendingFault } from './faults.js';
import type { Ec2Instance } from './instances.state.js';
import type { FieldErrors, Subscription } from './marketplace.state.js';
import { NOTIFICATION_ACTIONS } from './notifications.js';
import type { Delivery, HttpSubscription } from './notifier.js';
import { SubscriptionFields, type SubscribeFormValues } from './buyer.pages.js';
import { shellExports } from './emulator.context.js';
import { Field, Layout, Select } from './emulator.layout.js';
import { formatAccountId } from '../core/account-id.js';

export interface ControlView {
  url: string;
  queueUrl: string;
  productCode: string;
  landingUrl: string;
  signingCertUrl: string;
  portalEnv: Record<string, string>;
  plans: readonly string[];
  subscriptions: readonly Subscription[];
  operations: readonly string[];
  faultNames: readonly string[];
  faults: readonly PendingFault[];
  queues: readonly { name: string; url: string; visible: string; inFlight: string; delayed: string }[];
  httpSubscriptions: readonly HttpSubscription[];
  deliveries: readonly Delivery[];
  instances: readonly (Ec2Instance & { imdsUrl: string })[];
  imdsCertificateFile: string;
  notice?: string | undefined;
  error?: string | undefined;
  newSubscription?: { values: SubscribeFormValues; errors: FieldErrors };
}

const shortId = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
const actionPath = (subscription: Subscription, suffix = '') => `/_emulator/subscriptions/${encodeURIComponent(subscription.licenseArn)}${suffix}`;

function SubscriptionRow(props: { subscription: Subscription }) {
  const s = props.subscription;
  const who = `${formatAccountId(s.awsAccountId)} (${shortId(s.licenseArn)})`;
  const id = shortId(s.licenseArn);
  return (
    <tr>
      <td>
        {formatAccountId(s.awsAccountId)}
        <div class="mono">{s.licenseArn}</div>
        <div class="hint">
          customer {s.customerIdentifier}
          {s.legacyListing ? ' (legacy listing)' : ''}
          {s.freeTrial ? ', free trial' : ''}
          , product {s.productCode}
        </div>
      </td>
      <td>{s.status}</td>
      <td>
        <form method="post" action={actionPath(s)} class="inline">
          <div>
            <label for={`q-${id}`}>
              Quantity <span class="visually-hidden">for {who}</span>
            </label>
            <input id={`q-${id}`} type="number" name="quantity" min={0} value={String(s.quantity)} />
          </div>
          <div>
            <label for={`e-${id}`}>
              Ends <span class="visually-hidden">for {who}</span>
            </label>
            <input id={`e-${id}`} type="date" name="expiresAt" value={s.expiresAt?.toISOString().slice(0, 10) ?? ''} />
          </div>
          <button type="submit" aria-label={`Update ${who} and send entitlement-updated`}>
            Update
          </button>
        </form>
        <div class="hint">
          {s.dimension}; {s.expiresAt === null ? 'no end date' : `ends ${s.expiresAt.toISOString()}`}
        </div>
      </td>
      <td>
        <form method="post" action={actionPath(s, '/notify')} class="inline">
          <div>
            <label for={`n-${id}`}>
              Notification <span class="visually-hidden">for {who}</span>
            </label>
            <select id={`n-${id}`} name="action">
              {NOTIFICATION_ACTIONS.map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" aria-label={`Send the notification for ${who}`}>
            Send
          </button>
        </form>
        <form method="post" action={actionPath(s, '/tokens')} class="inline">
          <button type="submit" aria-label={`New registration token for ${who}`}>
            New registration token
          </button>
        </form>
      </td>
    </tr>
  );
}

export function ControlPage(props: ControlView) {
  return (
    <Layout title="Controls">
      <h1>Local AWS emulator</h1>
      {props.notice === undefined ? null : (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      {props.error === undefined ? null : (
        <p class="alert" role="alert">
          {props.error}
        </p>
      )}
      <section>
        <h2>Endpoints</h2>
        <p>
          AWS API <code>{props.url}</code> · queue <code>{props.queueUrl}</code> · product code <code>{props.productCode}</code> · fulfillment URL{' '}
          <code>{props.landingUrl}</code> · SNS signing certificate <code>{props.signingCertUrl}</code>
        </p>
        <p>Start the portal with:</p>
        <pre>{shellExports(props.portalEnv).join('\n')}</pre>
      </section>
      <section>
        <h2>Subscriptions</h2>
        {props.subscriptions.length === 0 ? (
          <p>
            None yet. <a href="/buyer">Subscribe as a buyer</a> or create one below.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Buyer account and licence</th>
                <th scope="col">Status</th>
                <th scope="col">Entitlement</th>
                <th scope="col">Notify</th>
              </tr>
            </thead>
            <tbody>
              {props.subscriptions.map((s) => (
                <SubscriptionRow key={s.licenseArn} subscription={s} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>New subscription</h2>
        <form method="post" action="/_emulator/subscriptions" noValidate>
          <SubscriptionFields plans={props.plans} values={props.newSubscription?.values ?? {}} errors={props.newSubscription?.errors ?? {}} />
          <Field name="productCode" label="Product code (optional)" hint={`Leave empty for ${props.productCode}; another code tests the portal's product check.`} />
          <button type="submit" class="primary">
            Create subscription
          </button>
        </form>
      </section>
      <section>
        <h2>EC2 instances (instance metadata service, IMDSv2)</h2>
        <p>
          Each instance has a metadata service at its IMDS URL (in place of <code>http://169.254.169.254</code>): <code>PUT /latest/api/token</code>, then{' '}
          <code>/latest/dynamic/instance-identity/document</code> and <code>/signature</code>. Documents are signed with the certificate at{' '}
          <a href="/_emulator/imds/certificate.pem">/_emulator/imds/certificate.pem</a>, also written to <code>{props.imdsCertificateFile}</code>.
        </p>
        {props.instances.length === 0 ? (
          <p>No instances yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Account</th>
                <th scope="col">Availability Zone</th>
                <th scope="col">Type</th>
                <th scope="col">IMDS URL</th>
              </tr>
            </thead>
            <tbody>
              {props.instances.map((i) => (
                <tr key={i.instanceId}>
                  <td class="mono">{i.instanceId}</td>
                  <td>{formatAccountId(i.awsAccountId)}</td>
                  <td>{i.availabilityZone}</td>
                  <td>{i.instanceType}</td>
                  <td class="mono">{i.imdsUrl}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form method="post" action="/_emulator/instances" class="inline">
          <Field id="instance-awsAccountId" name="awsAccountId" label="AWS account ID" inputMode="numeric" required />
          <Field id="instance-region" name="region" label="Region" value="us-east-1" required />
          <Field id="instance-instanceType" name="instanceType" label="Instance type" value="t3.medium" />
          <button type="submit">Create instance</button>
        </form>
      </section>
      <section>
        <h2>Fault injection</h2>
        <form method="post" action="/_emulator/fail-next" class="inline">
          <Select name="operation" label="Operation" options={props.operations} />
          <Select name="error" label="Fails with" options={props.faultNames} />
          <Field name="count" label="Times" type="number" min={1} max={1000} value="1" />
          <button type="submit">Fail next call</button>
        </form>
        {props.faults.length === 0 ? (
          <p>No faults armed.</p>
        ) : (
          <ul>
            {props.faults.map((f, i) => (
              <li key={i}>
                {f.operation}: {f.error} ({f.remaining} left)
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>Queues and deliveries</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Visible</th>
              <th scope="col">In flight</th>
              <th scope="col">Delayed</th>
            </tr>
          </thead>
          <tbody>
            {props.queues.map((q) => (
              <tr key={q.name}>
                <td class="mono">{q.url}</td>
                <td>{q.visible}</td>
                <td>{q.inFlight}</td>
                <td>{q.delayed}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {props.httpSubscriptions.length === 0 ? null : (
          <ul>
            {props.httpSubscriptions.map((s) => (
              <li key={s.subscriptionArn}>
                {s.endpoint} ← {s.topicArn}: {s.status}
              </li>
            ))}
          </ul>
        )}
        <h3>Recent deliveries</h3>
        {props.deliveries.length === 0 ? (
          <p>None yet.</p>
        ) : (
          <ul>
            {props.deliveries.slice(0, 30).map((d, i) => (
              <li key={i}>
                {d.at} {d.action} → {d.target}: {d.outcome}
              </li>
            ))}
          </ul>
        )}
        <form method="post" action="/_emulator/reset">
          <button type="submit">Reset: remove subscriptions, tokens, messages and faults</button>
        </form>
      </section>
    </Layout>
  );
}
