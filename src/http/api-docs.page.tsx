import { Layout } from '../web/layout.js';

/** One API operation as the reference page shows it, read from the OpenAPI document. */
interface Operation {
  id: string;
  method: string;
  path: string;
  summary: string | undefined;
  description: string | undefined;
  bearer: boolean;
  parameters: { name: string; in: string; required: boolean; description: string | undefined; schema: unknown }[];
  requestBody: { contentType: string; schema: unknown }[];
  responses: { status: string; description: string; content: { contentType: string; schema: unknown }[] }[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function contentOf(value: unknown): { contentType: string; schema: unknown }[] {
  return Object.entries(record(value)).map(([contentType, media]) => ({ contentType, schema: record(media).schema }));
}

/** The operations of an OpenAPI 3.x document, in path order, each method in the order above. */
export function operationsOf(document: unknown): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(record(record(document).paths))) {
    for (const method of METHODS) {
      const operation = record(record(item)[method]);
      if (Object.keys(operation).length === 0) continue;
      const security = operation.security ?? record(document).security;
      operations.push({
        id: `${method}-${path}`.replace(/[^A-Za-z0-9_-]+/g, '-'),
        method: method.toUpperCase(),
        path,
        summary: text(operation.summary),
        description: text(operation.description),
        bearer: Array.isArray(security) && security.length > 0,
        parameters: (Array.isArray(operation.parameters) ? operation.parameters : []).map((raw: unknown) => {
          const parameter = record(raw);
          return { name: text(parameter.name) ?? '', in: text(parameter.in) ?? '', required: parameter.required === true, description: text(parameter.description), schema: parameter.schema };
        }),
        requestBody: contentOf(record(operation.requestBody).content),
        responses: Object.entries(record(operation.responses)).map(([status, raw]) => ({ status, description: text(record(raw).description) ?? '', content: contentOf(record(raw).content) })),
      });
    }
  }
  return operations;
}

function SchemaBlock({ label, schema }: { label: string; schema: unknown }) {
  if (schema === undefined) return null;
  return (
    <details>
      <summary>{label}</summary>
      <pre class="mono">
        <code>{JSON.stringify(schema, null, 2)}</code>
      </pre>
    </details>
  );
}

function OperationSection({ operation }: { operation: Operation }) {
  const headingId = `op-${operation.id}`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <span class="mono">{operation.method}</span> <span class="mono">{operation.path}</span>
      </h2>
      {operation.summary ? <p class="lead">{operation.summary}</p> : null}
      {operation.description ? <p>{operation.description}</p> : null}
      <p>{operation.bearer ? 'Authentication: Authorization: Bearer <credential>.' : 'Authentication: none.'}</p>
      <h3>Parameters</h3>
      {operation.parameters.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Parameters of {`${operation.method} ${operation.path}`}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">In</th>
                <th scope="col">Required</th>
                <th scope="col">Description</th>
                <th scope="col">Schema</th>
              </tr>
            </thead>
            <tbody>
              {operation.parameters.map((parameter) => (
                <tr key={`${parameter.in}-${parameter.name}`}>
                  <td class="mono">{parameter.name}</td>
                  <td>{parameter.in}</td>
                  <td>{parameter.required ? 'yes' : 'no'}</td>
                  <td>{parameter.description ?? ''}</td>
                  <td>
                    <SchemaBlock label="Schema" schema={parameter.schema} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Request body</h3>
      {operation.requestBody.length === 0 ? (
        <p>None.</p>
      ) : (
        operation.requestBody.map((body) => (
          <div key={body.contentType}>
            <p class="mono">{body.contentType}</p>
            <SchemaBlock label={`Schema of the ${body.contentType} body`} schema={body.schema} />
          </div>
        ))
      )}
      <h3>Responses</h3>
      <dl class="facts">
        {operation.responses.map((response) => (
          <div key={response.status}>
            <dt class="mono">{response.status}</dt>
            <dd>
              <p>{response.description}</p>
              {response.content.map((content) => (
                <div key={content.contentType}>
                  <p class="mono">{content.contentType}</p>
                  <SchemaBlock label={`Schema of the ${response.status} ${content.contentType} body`} schema={content.schema} />
                </div>
              ))}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/**
 * The human reference of the API, rendered on the server from the same OpenAPI document as /api/openapi.json:
 * no script (the CSP allows none inline), works offline, schemas fold away in <details>.
 */
export function ApiDocsPage({ document }: { document: unknown }) {
  const info = record(record(document).info);
  const title = text(info.title) ?? 'API';
  const operations = operationsOf(document);
  return (
    <Layout title="API reference" area={{ name: 'API', home: '/api/docs' }}>
      <div class="page-head">
        <h1>{title}</h1>
      </div>
      <p class="lead">
        Version {text(info.version) ?? ''}. {text(info.description) ?? ''}
      </p>
      <p>
        The machine-readable description is at <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI {text(record(document).openapi) ?? ''}). Every error is
        answered as <span class="mono">application/problem+json</span> (RFC 9457) with <span class="mono">type</span>, <span class="mono">title</span>,{' '}
        <span class="mono">status</span>, <span class="mono">detail</span> and a stable <span class="mono">code</span>.
      </p>
      <nav aria-label="Operations">
        <h2>Operations</h2>
        <ul>
          {operations.map((operation) => (
            <li key={operation.id}>
              <a href={`#op-${operation.id}`}>
                <span class="mono">{operation.method}</span> <span class="mono">{operation.path}</span>
              </a>
              {operation.summary ? ` · ${operation.summary}` : ''}
            </li>
          ))}
        </ul>
      </nav>
      {operations.map((operation) => (
        <OperationSection key={operation.id} operation={operation} />
      ))}
    </Layout>
  );
}
