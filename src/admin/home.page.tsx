import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { DailyChart } from '../web/daily-chart.js';
import { PostForm } from '../web/forms.js';
import type { Dashboard } from './dashboard.service.js';
import { ROLE_LABELS } from './policy.js';
import type { SignedInStaff } from './staff-session.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** 2026-12-03 → "3 Dec". */
const shortDay = (iso: string) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1] ?? ''}`;
const clockTime = (d: Date) => d.toISOString().slice(11, 16);

function Figure({ label, value, href, attention = false }: { label: string; value: number; href?: string | undefined; attention?: boolean }) {
  const body = (
    <>
      <span class="figure-value">{value.toLocaleString('en-GB')}</span>
      <span class="figure-label">{label}</span>
    </>
  );
  return <li class={`figure${attention && value > 0 ? ' figure-attention' : ''}`}>{href === undefined ? body : <a href={href}>{body}</a>}</li>;
}

/** The admin panel's start page: the figures staff watch, a month of sign-ins and new licences, and who is signed in. */
export function AdminHomePage({ ctx, staff, dashboard, links }: { ctx: AdminPageContext; staff: SignedInStaff; dashboard: Dashboard; links: Record<'customers' | 'licences' | 'requests' | 'ending' | 'failed', string | undefined> }) {
  const { figures, signIns, newLicences } = dashboard;
  const days = signIns.days.map(shortDay);
  return (
    <AdminLayout title="Dashboard" ctx={ctx}>
      <div class="page-head">
        <h1>Dashboard</h1>
      </div>
      <section aria-labelledby="figures-heading">
        <h2 id="figures-heading" class="visually-hidden">
          Figures
        </h2>
        <ul class="figures">
          <Figure label="Customers" value={figures.customers} href={links.customers} />
          <Figure label="Active licences" value={figures.activeLicences} href={links.licences} />
          <Figure label="Seats in use" value={figures.seatsInUse} />
          <Figure label="Pending requests" value={figures.pendingRequests} href={links.requests} attention />
          <Figure label="Failed notifications" value={figures.failedNotifications} href={links.failed} attention />
          <Figure label="Licences ending within 30 days" value={figures.endingWithin30Days} href={links.ending} attention />
        </ul>
      </section>
      <section class="panel" aria-labelledby="charts-heading">
        <h2 id="charts-heading">The last 30 days</h2>
        <DailyChart
          id="sign-ins"
          title="Customer sign-ins per day"
          description={`Successful and failed customer sign-ins on each of the last 30 days (UTC), ${days[0] ?? ''} to ${days.at(-1) ?? ''}.`}
          dayLabels={days}
          series={[
            { name: 'Succeeded', className: 'chart-ok', counts: signIns.series['sign_in.succeeded'] ?? [] },
            { name: 'Failed', className: 'chart-bad', counts: signIns.series['sign_in.failed'] ?? [] },
          ]}
        />
        <DailyChart
          id="new-licences"
          title="New licences per day"
          description="Licences issued, requested, granted as trials or made by AWS Marketplace on each of the last 30 days (UTC)."
          dayLabels={days}
          series={[{ name: 'New licences', className: 'chart-brand', counts: newLicences.series.new ?? [] }]}
        />
        <p class="hint">Counted at {clockTime(dashboard.chartsAt)} UTC; the charts are recounted every minute.</p>
      </section>
      <section class="panel" aria-labelledby="you-heading">
        <h2 id="you-heading">Signed in</h2>
        <dl class="facts">
          <dt>Staff member</dt>
          <dd>{staff.email}</dd>
          <dt>Role</dt>
          <dd>{ROLE_LABELS[staff.role]}</dd>
        </dl>
        <p class="hint">Your session ends after 30 minutes without activity, and 12 hours after sign-in at the latest.</p>
        <PostForm action="/admin/sign-out-everywhere" csrfToken={ctx.csrfToken} class="inline-form">
          <button type="submit" class="button secondary">
            Sign out everywhere
          </button>
        </PostForm>
      </section>
    </AdminLayout>
  );
}
