import path from 'node:path';

/** Everything the portal reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  publicUrl: URL;
  /** True when PUBLIC_URL is https: cookies get Secure and the __Host- prefix, HSTS is sent. */
  secureCookies: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Undefined only in embedded mode before the key file under DATA_DIR is read (see resolveSecretKey). */
  secretKey: string | undefined;
  awsRegion: string;
  awsEndpointUrl: string | undefined;
  marketplaceProductCode: string | undefined;
  /** Fulfillment landings accepted per source address per minute (each costs a ResolveCustomer call). */
  marketplaceLandingsPerMinute: number;
  marketplaceQueueUrl: string | undefined;
  /** Hosts allowed for SNS SigningCertURL and SubscribeURL; only the real SNS hosts in production. */
  snsCertHostPattern: RegExp;
  /** A PEM file trusted (besides the public roots) when fetching them: the local emulator's certificate. Never in production. */
  snsCaFile: string | undefined;
  /** A PEM certificate trusted for instance identity documents of every Region (the emulator's, a test's). Never in production. */
  instanceIdentityCertFile: string | undefined;
  trustProxy: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  development: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables by name (process.env, or the values a command hands the portal). */
export type Env = Record<string, string | undefined>;

/** The hosts SNS serves signing certificates and subscription links from (sns-validator's default). */
const SNS_HOST_PATTERN = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Reads and validates the configuration; every problem is reported at once. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const portText = value('PORT') ?? '3000';
  const port = wholeNumberInRange(portText, 0, 65_535, problems, `PORT must be a port number between 0 and 65535, got "${portText}"`);
  const host = value('HOST') ?? '127.0.0.1';

  const publicUrlText = value('PUBLIC_URL') ?? `http://localhost:${port}`;
  let publicUrl = new URL('http://localhost');
  try {
    publicUrl = new URL(publicUrlText);
    if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
      problems.push(`PUBLIC_URL must be an http:// or https:// URL, got "${publicUrlText}"`);
    }
  } catch {
    problems.push(`PUBLIC_URL is not a valid URL: "${publicUrlText}"`);
  }

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database)');
  }

  const smtpUrl = value('SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) {
    problems.push('SMTP_URL must start with smtp:// or smtps:// (e.g. smtp://user:pass@mail.example.com:587)');
  }

  const secretKey = value('SECRET_KEY');
  if (secretKey !== undefined && secretKey.length < 32) {
    problems.push('SECRET_KEY must be at least 32 characters (e.g. `openssl rand -base64 48`)');
  }
  if (secretKey === undefined && databaseUrl !== undefined) {
    problems.push('SECRET_KEY is required when DATABASE_URL is set (generate one with `openssl rand -base64 48`)');
  }

  const awsEndpointUrl = value('AWS_ENDPOINT_URL');
  if (awsEndpointUrl !== undefined && !isHttpUrl(awsEndpointUrl)) problems.push('AWS_ENDPOINT_URL must be an http:// or https:// URL (e.g. http://127.0.0.1:4566)');
  const marketplaceQueueUrl = value('MARKETPLACE_QUEUE_URL');
  if (marketplaceQueueUrl !== undefined && !isHttpUrl(marketplaceQueueUrl)) problems.push('MARKETPLACE_QUEUE_URL must be an http:// or https:// URL (the SQS queue URL)');
  else if (marketplaceQueueUrl !== undefined && value('MARKETPLACE_PRODUCT_CODE') === undefined) problems.push('MARKETPLACE_QUEUE_URL needs MARKETPLACE_PRODUCT_CODE (notifications are matched to the product)');
  const production = value('NODE_ENV') === 'production';
  // Loosening SNS signature checks is for the local emulator only (sns-validator's own default pattern otherwise).
  let snsCertHostPattern = SNS_HOST_PATTERN;
  const snsHostText = value('MARKETPLACE_SNS_HOST_PATTERN');
  if (snsHostText !== undefined) {
    if (production) problems.push('MARKETPLACE_SNS_HOST_PATTERN is for development and tests only (unset it in production)');
    try {
      snsCertHostPattern = new RegExp(snsHostText);
    } catch {
      problems.push('MARKETPLACE_SNS_HOST_PATTERN must be a regular expression (e.g. ^127\\.0\\.0\\.1:\\d+$)');
    }
  }
  const snsCaFile = value('MARKETPLACE_SNS_CA_FILE');
  if (snsCaFile !== undefined && production) problems.push('MARKETPLACE_SNS_CA_FILE is for development and tests only (unset it in production)');

  const identityCertFile = value('INSTANCE_IDENTITY_CERT_FILE');
  if (identityCertFile !== undefined && production) problems.push('INSTANCE_IDENTITY_CERT_FILE is for the emulator and tests only (unset it in production: AWS\'s certificates are built in)');

  const landingsText = value('MARKETPLACE_LANDINGS_PER_MINUTE') ?? '20';
  const marketplaceLandingsPerMinute = wholeNumberInRange(landingsText, 1, 10_000, problems, `MARKETPLACE_LANDINGS_PER_MINUTE must be a whole number from 1 to 10000, got "${landingsText}"`);

  const logLevel = (value('LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const trustProxyText = value('TRUST_PROXY') ?? 'false';
  if (!['true', 'false'].includes(trustProxyText)) problems.push('TRUST_PROXY must be true or false');

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port,
    host,
    publicUrl,
    secureCookies: publicUrl.protocol === 'https:',
    databaseUrl,
    dataDir: path.resolve(cwd, value('DATA_DIR') ?? 'data'),
    smtpUrl,
    mailFrom: value('MAIL_FROM') ?? `WebStream Licence Portal <no-reply@${publicUrl.hostname}>`,
    secretKey,
    awsRegion: value('AWS_REGION') ?? 'us-east-1',
    awsEndpointUrl,
    marketplaceProductCode: value('MARKETPLACE_PRODUCT_CODE'),
    marketplaceQueueUrl,
    marketplaceLandingsPerMinute,
    snsCertHostPattern,
    snsCaFile: snsCaFile === undefined ? undefined : path.resolve(cwd, snsCaFile),
    instanceIdentityCertFile: identityCertFile === undefined ? undefined : path.resolve(cwd, identityCertFile),
    trustProxy: trustProxyText === 'true',
    logLevel,
    development: !production,
  };
}

/** Up to five digits making a number from min to max; otherwise `problem` is recorded (and min returned, as loading fails anyway). */
function wholeNumberInRange(text: string, min: number, max: number, problems: string[], problem: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (n >= min && n <= max) return n;
  problems.push(problem);
  return min;
}

/** "localhost:4566" parses as a URL with the scheme "localhost:", so the scheme is checked too. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
