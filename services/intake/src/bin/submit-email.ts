// Submits reports that arrived as email files (.eml, RFC 5322) to intake, the way the mail
// gateway would: `npm run intake:email -- report.eml [more.eml …] [--url http://127.0.0.1:3101]`,
// with the gateway's credential (an organisation's API token) in UCSC_TOKEN or `--token`.
// Exit code 0 when every email was accepted, 1 when one was rejected (the reasons are printed),
// 2 when intake could not store one (retry later).
import { readFile } from 'node:fs/promises';

interface Outcome {
  file: string;
  code: 0 | 1 | 2;
}

async function submit(url: string, token: string, file: string): Promise<Outcome> {
  const raw = await readFile(file);
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}/api/v1/reports/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${token}` }, body: raw });
  } catch (error) {
    console.error(`${file}: intake at ${url} did not answer (${(error as Error).message}); retry later`);
    return { file, code: 2 };
  }
  const body = (await response.json().catch(() => ({}))) as {
    incidentId?: string;
    message?: string;
    problems?: { field: string; rule: string; message: string }[];
  };
  if (response.status === 202) {
    const replay = response.headers.get('idempotent-replayed') ? ' (already received before: the same incident)' : '';
    console.log(`${file}: accepted as incident ${body.incidentId}${replay}`);
    return { file, code: 0 };
  }
  if (response.status >= 500 || response.status === 409) {
    console.error(`${file}: not stored (${response.status} ${body.message ?? ''}); retry after ${response.headers.get('retry-after') ?? 'a while'} s`);
    return { file, code: 2 };
  }
  console.error(`${file}: rejected: ${body.message ?? response.status}`);
  for (const p of body.problems ?? []) console.error(`  - ${p.message} [${p.field}, ${p.rule}]`);
  return { file, code: 1 };
}

async function main(argv: string[]): Promise<number> {
  let url = process.env.INTAKE_URL ?? 'http://127.0.0.1:3101';
  let token = process.env.UCSC_TOKEN ?? '';
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--url') url = argv[++i] ?? url;
    else if (argv[i] === '--token') token = argv[++i] ?? token;
    else files.push(argv[i]!);
  }
  if (files.length === 0 || !token) {
    console.error('usage: UCSC_TOKEN=<API token or session token> submit-email FILE.eml [FILE.eml …] [--url http://127.0.0.1:3101] [--token …]');
    return 1;
  }
  let worst = 0;
  for (const file of files) worst = Math.max(worst, (await submit(url, token, file)).code);
  return worst;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
