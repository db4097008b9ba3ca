import type { FastifyInstance } from 'fastify';
import { openApiDocument } from '../openapi';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  description?: string;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
  $ref?: string;
};

const escape = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.format) parts.push(`format ${s.format}`);
  if (s.enum) parts.push(`one of ${s.enum.map((v) => `<code>${escape(v)}</code>`).join(', ')}`);
  if (s.const !== undefined) parts.push(`= <code>${escape(s.const)}</code>`);
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? ''}…${s.maximum ?? ''}`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.default !== undefined) parts.push(`default <code>${escape(JSON.stringify(s.default))}</code>`);
  return parts.join('; ');
}

function typeOf(s: JsonSchema): string {
  if (s.$ref) return `<a href="#schema-${escape(s.$ref.split('/').pop())}">${escape(s.$ref.split('/').pop())}</a>`;
  if (s.type === 'array' && s.items) return `array of ${typeOf(s.items)}`;
  if (s.oneOf || s.anyOf) return 'one of';
  return escape(Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any'));
}

/** A schema as nested lists: every field, its type, whether it is required, its rules and description. */
function renderSchema(s: JsonSchema): string {
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return `<ol class="variants">${variants.map((v) => `<li>${renderSchema(v)}</li>`).join('')}</ol>`;
  if (s.type === 'array' && s.items?.properties) return renderSchema(s.items);
  if (!s.properties) return '';
  const required = new Set(s.required ?? []);
  return `<ul>${Object.entries(s.properties)
    .map(
      ([name, p]) =>
        `<li><code class="field">${escape(name)}</code>${required.has(name) ? '<span class="req">*</span>' : ''} <span class="type">${typeOf(p)}</span>` +
        `${constraints(p) ? ` <span class="rules">${constraints(p)}</span>` : ''}${p.description ? `<div class="desc">${escape(p.description)}</div>` : ''}${renderSchema(p)}</li>`,
    )
    .join('')}</ul>`;
}

function renderPage(doc: ReturnType<typeof openApiDocument>): string {
  const paths = doc.paths as Record<string, Record<string, { summary: string; description: string; parameters?: { name: string; in: string; required: boolean; description?: string }[]; requestBody?: { content: Record<string, { schema: JsonSchema }> }; responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }> }>>;
  const schemas = (doc.components as { schemas: Record<string, JsonSchema> }).schemas;
  const ops = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? []).map((p) => `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ', required' : ''})${p.description ? ` — ${escape(p.description)}` : ''}</li>`).join('');
      const body = op.requestBody ? Object.entries(op.requestBody.content).map(([type, c]) => `<p>Body (<code>${escape(type)}</code>): ${typeOf(c.schema)}</p>`).join('') : '';
      const responses = Object.entries(op.responses)
        .map(([status, r]) => `<li><b>${escape(status)}</b> ${escape(r.description)}${r.content ? ` — ${Object.values(r.content).map((c) => typeOf(c.schema)).join(', ')}` : ''}</li>`)
        .join('');
      return `<section class="op"><h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3><p><b>${escape(op.summary)}</b></p><p>${escape(op.description)}</p>${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
    }),
  );
  const schemaSections = Object.entries(schemas).map(([name, s]) => `<section class="schema" id="schema-${escape(name)}"><h3>${escape(name)}</h3>${s.description ? `<p>${escape(s.description)}</p>` : ''}${renderSchema(s)}</section>`);
  const info = doc.info as { title: string; description: string };
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>${escape(info.title)} — API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{margin-bottom:0}code{font:13px ui-monospace,monospace;background:#f1f3f7;padding:0 .25em;border-radius:3px}
.op,.schema{border:1px solid #d8dde6;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:3.5em;text-align:center;color:#fff;border-radius:3px;font-size:13px;padding:0 .4em}
.method.get{background:#2f6fb3}.method.post{background:#2b8a3e}
ul{padding-left:1.2rem}.req{color:#c92a2a;font-weight:bold}.type{color:#5c6370}.rules{color:#7a4f01;font-size:13px}.desc{color:#444;font-size:13px}
</style></head><body>
<h1>${escape(info.title)}</h1><p>${escape(info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Fields marked <span class="req">*</span> are required.</p>
<h2>Operations</h2>${ops.join('\n')}
<h2>Schemas</h2>${schemaSections.join('\n')}
</body></html>`;
}

/** The OpenAPI document and a page to read it, served by intake itself (no CDN, no script). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const doc = openApiDocument();
  const page = renderPage(doc);
  // the description of the API is public, as the API's own routes are not
  const open = { config: { public: true } };
  app.get('/api/v1/openapi.json', open, async () => doc);
  app.get('/api/docs', open, async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(page));
}
