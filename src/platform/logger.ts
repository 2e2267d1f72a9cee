// Structured JSON logs (pino). Secrets never reach a log: API keys and passwords are redacted.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, name: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['req.headers["x-api-key"]', 'req.headers.authorization', '*.password', 'apiKey'], censor: '[redacted]' },
  });
}
