import { Webhook } from 'standardwebhooks';

/** The three Standard Webhooks headers of one delivery attempt. */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs deliveries with the deployment's secret (`whsec_…`, base64), using the Standard
 * Webhooks reference library so receivers can verify with any of its implementations. Each
 * attempt is signed at its own time: receivers refuse timestamps older than five minutes, and
 * retries come later than that.
 */
export function createSigner(
  secret: string,
): (id: string, body: string, at?: Date) => SignatureHeaders {
  const webhook = new Webhook(secret);
  return (id, body, at = new Date()) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhook.sign(id, at, body),
  });
}
