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

/** A schema's type in words, with its constraints: "integer, 400 to 599", "string, one of: ok". */
function typeText(schema: Record<string, unknown>): string {
  const parts: string[] = [];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) parts.push(alternatives.map((alternative) => typeText(record(alternative))).join(' or '));
  else if (Array.isArray(schema.type)) parts.push(schema.type.map(String).join(' or '));
  else if (typeof schema.type === 'string') parts.push(schema.type === 'array' ? `array of ${typeText(record(schema.items))}` : schema.type);
  if (schema.const !== undefined) parts.push(`always ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum)) parts.push(`one of: ${schema.enum.map((value) => JSON.stringify(value)).join(', ')}`);
  if (typeof schema.format === 'string') parts.push(`format ${schema.format}`);
  if (typeof schema.pattern === 'string') parts.push(`pattern ${schema.pattern}`);
  for (const [key, words] of [['minimum', 'at least'], ['maximum', 'at most'], ['minLength', 'at least … characters'], ['maxLength', 'at most … characters'], ['minItems', 'at least … items'], ['maxItems', 'at most … items']] as const) {
    const value = schema[key];
    if (typeof value === 'number') parts.push(words.includes('…') ? words.replace('…', String(value)) : `${words} ${value}`);
  }
  return parts.join(', ') || 'any value';
}

/** A schema as nested lists (they wrap on a phone, unlike a JSON dump): each property, its type, whether required. */
function SchemaView({ schema }: { schema: unknown }) {
  const node = record(schema);
  const target = node.type === 'array' ? record(node.items) : node;
  const properties = Object.entries(record(target.properties));
  const required = new Set(Array.isArray(target.required) ? target.required.map(String) : []);
  if (properties.length === 0) return null;
  return (
    <ul>
      {properties.map(([name, raw]) => {
        const property = record(raw);
        return (
          <li key={name}>
            <code class="mono">{name}</code> ({required.has(name) ? 'required' : 'optional'}): {typeText(property)}
            {text(property.description) ? ` · ${text(property.description) ?? ''}` : ''}
            <SchemaView schema={property} />
          </li>
        );
      })}
    </ul>
  );
}

function SchemaBlock({ contentType, schema }: { contentType: string; schema: unknown }) {
  return (
    <div>
      <p>
        <span class="mono">{contentType}</span>: {typeText(record(schema))}
      </p>
      <SchemaView schema={schema} />
    </div>
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
        <ul>
          {operation.parameters.map((parameter) => (
            <li key={`${parameter.in}-${parameter.name}`}>
              <code class="mono">{parameter.name}</code> (in {parameter.in}, {parameter.required ? 'required' : 'optional'}): {typeText(record(parameter.schema))}
              {parameter.description ? ` · ${parameter.description}` : ''}
            </li>
          ))}
        </ul>
      )}
      <h3>Request body</h3>
      {operation.requestBody.length === 0 ? (
        <p>None.</p>
      ) : (
        operation.requestBody.map((body) => <SchemaBlock key={body.contentType} contentType={body.contentType} schema={body.schema} />)
      )}
      <h3>Responses</h3>
      <dl>
        {operation.responses.map((response) => (
          <div key={response.status}>
            <dt class="mono">{response.status}</dt>
            <dd>
              <p>{response.description}</p>
              {response.content.map((content) => (
                <SchemaBlock key={content.contentType} contentType={content.contentType} schema={content.schema} />
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
 * no script (the CSP allows none inline), works offline, schemas as nested lists.
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
