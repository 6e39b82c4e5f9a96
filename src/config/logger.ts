import pino, { type Logger } from 'pino';

/** Query parameters that carry secrets (reset and verification links, Marketplace tokens) never reach a log. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|handshake|x-amzn-marketplace-token)=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.token'], censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
      },
    },
    destination,
  );
}
