import type { SecretKeys } from '../../ground/common/secrets';
import type { Webhook } from './webhook.entity';

/**
 * The webhook signing secrets at rest: sealed with the key ring's seal key (AES-256-GCM, the key id in
 * the ciphertext, src/ground/common/secrets.ts), as outbox mail bodies are. The service must sign with them,
 * so they cannot be hashed; they are opened only to sign an attempt.
 */
export function sealSecret(secrets: SecretKeys, secret: string): string {
  return secrets.seal(JSON.stringify({ v: 1, secret }));
}

export function openSecret(secrets: SecretKeys, sealed: string): string {
  const parsed = JSON.parse(secrets.open(sealed)) as { v?: unknown; secret?: unknown };
  if (parsed.v !== 1 || typeof parsed.secret !== 'string') throw new Error('unexpected webhook secret format');
  return parsed.secret;
}

/** The secrets that sign an attempt made at `now`: the current one, and the one it replaced until that one's overlap ends. */
export function signingSecrets(secrets: SecretKeys, hook: Pick<Webhook, 'sealedSecret' | 'sealedPreviousSecret' | 'previousSecretExpiresAt'>, now: Date): string[] {
  const current = openSecret(secrets, hook.sealedSecret);
  const previousLive = hook.sealedPreviousSecret && hook.previousSecretExpiresAt && hook.previousSecretExpiresAt.getTime() > now.getTime();
  return previousLive ? [current, openSecret(secrets, hook.sealedPreviousSecret!)] : [current];
}
