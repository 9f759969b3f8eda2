import { createHmac } from 'node:crypto';

/** The X-Stubbuild-Signature of a delivery: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
