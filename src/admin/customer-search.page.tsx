import type { CustomerSummary } from '../accounts/customer-search.repo.js';
import { formatAccountId } from '../core/account-id.js';
import { AdminLayout, type AdminPageContext } from '../web/admin-layout.js';
import { ErrorSummary, Field } from '../web/forms.js';
import { TableHead } from '../web/table-head.js';
import { EmptyState, Pager } from './admin-table.js';

export interface SearchResults {
  q: string;
  rows: CustomerSummary[];
  total: number;
  /** The link to the next page, when there is one. */
  nextHref: string | undefined;
  /** Whether this is a later page (a link back to the first one is shown). */
  paged: boolean;
}

const COLUMNS = ['AWS account', 'Email', 'Portal account', 'Licences', 'Action'] as const;

function portalStatus(row: CustomerSummary): string {
  if (!row.hasPortalAccount) return 'None yet';
  if (row.disabled) return 'Disabled';
  return row.emailVerified ? 'Active' : 'Active (email not verified)';
}

/** The search box: a GET form (searching changes nothing), usable without JavaScript. */
function SearchForm({ q, error }: { q: string; error: string | undefined }) {
  return (
    <form method="get" action="/admin/customers" role="search" class="panel">
      <Field
        id="customer-q"
        name="q"
        type="search"
        label="AWS account ID or email"
        hint="An account ID in any form (1234-5678-9012, 1234 5678 9012, or its first digits), or part of an email address."
        value={q}
        errors={error === undefined ? undefined : [error]}
        required={false}
        autofocus={error !== undefined || q === ''}
        autocomplete="off"
        maxLength={254}
      />
      <button type="submit">Search</button>
    </form>
  );
}

function ResultsTable({ results }: { results: SearchResults }) {
  const { rows, total, q } = results;
  if (rows.length === 0) {
    return (
      <EmptyState id="results-heading" title={`No customer matches “${q}”`}>
        Check the digits of the account ID, or try a shorter part of the email address. A customer appears here once they hold a licence or a portal account.
      </EmptyState>
    );
  }
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading" aria-live="polite">
        {total === 1 ? '1 customer matches' : `${total} customers match`} “{q}”
      </h2>
      <div class="table-wrap">
        <table class="customers">
          <caption class="visually-hidden">Customers matching “{q}”, by AWS account ID</caption>
          <TableHead columns={COLUMNS} />
          <tbody>
            {rows.map((row) => (
              <tr key={row.awsAccountId}>
                <td data-label={COLUMNS[0]} class="mono">
                  {formatAccountId(row.awsAccountId)}
                </td>
                <td data-label={COLUMNS[1]}>{row.email ?? (row.licenceContact === null ? '—' : `${row.licenceContact} (licence contact)`)}</td>
                <td data-label={COLUMNS[2]}>{portalStatus(row)}</td>
                <td data-label={COLUMNS[3]}>{row.licences}</td>
                <td data-label={COLUMNS[4]}>
                  <a href={`/admin/customers/${row.awsAccountId}`}>
                    Open<span class="visually-hidden">{` customer ${formatAccountId(row.awsAccountId)}`}</span>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Pages of results" firstHref={results.paged ? `/admin/customers?q=${encodeURIComponent(q)}` : undefined} nextHref={results.nextHref} firstText="← First page" nextText="Next page →" />
    </section>
  );
}

export function CustomerSearchPage({ ctx, q, error, results }: { ctx: AdminPageContext; q: string; error?: string | undefined; results?: SearchResults | undefined }) {
  return (
    <AdminLayout title={q === '' ? 'Customers' : `Customers: ${q}`} ctx={ctx}>
      <div class="page-head">
        <h1>Customers</h1>
      </div>
      <ErrorSummary message={error} />
      <SearchForm q={q} error={error} />
      {results === undefined ? (
        error === undefined ? (
          <p class="hint">Search for a customer to see their portal account, sessions, licences, Marketplace subscriptions, activations and audit trail.</p>
        ) : null
      ) : (
        <ResultsTable results={results} />
      )}
    </AdminLayout>
  );
}
