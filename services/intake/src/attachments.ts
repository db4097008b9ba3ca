import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Attachment content, addressed by its sha256, in a folder shared by every copy of intake.
 *
 * Not in Kafka: a malware sample or a week of logs would bloat a log kept forever and slow every
 * consumer that replays it; the event carries the reference (hash, size, name, kind) and the
 * hash proves the content is what was referenced. Not in Redis either: Redis holds projections in
 * memory, and evidence of tens of megabytes would crowd them out. A folder (a volume in production,
 * replaceable by object storage behind the same two methods) keeps content on disk, writes are
 * atomic (temporary file, then rename) and the same content uploaded twice is stored once.
 */
export class AttachmentStore {
  constructor(private readonly dir: string) {}

  private pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(content: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const target = this.pathOf(sha256);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size === content.length) return { sha256, size: content.length };
    await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
    try {
      await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
    return { sha256, size: content.length };
  }

  /** The content, or undefined when this copy has none (never for an attachment whose event was stored). */
  async open(sha256: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const path = this.pathOf(sha256);
    const info = await stat(path).catch(() => undefined);
    if (!info) return undefined;
    return { stream: createReadStream(path), size: info.size };
  }
}
