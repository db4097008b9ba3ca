import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths that never reach a log line: credentials, and report bodies (they may be TLP:RED). */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.secret',
  'payload.description',
  'payload.report',
];

/** One logger per service: JSON in production, pretty on a developer's terminal. */
export function createLogger(service: string, level: LoggerOptions['level'] = 'info'): Logger {
  const options: LoggerOptions = {
    name: service,
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (process.stdout.isTTY && level !== 'silent' && canResolve('pino-pretty')) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } });
  }
  return pino(options);
}

function canResolve(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}
