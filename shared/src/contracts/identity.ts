import { z } from 'zod';
import { roleSchema } from './common';

/**
 * Accounts and API tokens, as the identity owner (the board) keeps them and records them on the
 * identity topic, whole, at every change: the identity store is rebuilt from that topic. Only
 * hashes of passwords and token secrets are in them.
 */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  organisationId: z.string(),
  roles: z.array(roleSchema).min(1),
  provinceCodes: z.array(z.string()),
  assigneeIds: z.array(z.string()),
  passwordHash: z.string(),
  totpSecret: z.string().optional(),
  disabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const tokenScopes = ['reports:write', 'reports:read'] as const;
export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  organisationId: z.string(),
  provinceCodes: z.array(z.string()),
  scopes: z.array(z.enum(tokenScopes)).min(1),
  secretHash: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().optional(),
});

/** An account as it is after a change (created, roles, provinces, disabled…). */
export const identityUserPutSchema = z.object({ user: userSchema });
/** An API token as it is after a change (issued, rotated, revoked). */
export const identityTokenPutSchema = z.object({ token: apiTokenSchema });
