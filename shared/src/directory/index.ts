import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { foldName } from '../text';
import type { ProvinceRef } from '../contracts/common';
import { enterpriseSchema, liaisonSchema, organisationSchema, unitSchema, type Enterprise, type Liaison, type Organisation, type Unit } from '../contracts/directory';

// the record schemas are contracts (the directory events carry them); re-exported here for readers
export { unitSchema, organisationSchema, liaisonSchema, enterpriseSchema } from '../contracts/directory';
export type { Unit, Organisation, Liaison, Enterprise } from '../contracts/directory';

export interface DirectoryData {
  units: Unit[];
  organisations: Organisation[];
  liaisons: Liaison[];
  enterprises: Enterprise[];
}

/** The demo directory shipped with the project (fictional people and enterprises). */
export const demoDirectoryPath = join(__dirname, '..', '..', 'data', 'directory');

export function loadDirectoryFiles(dir: string = demoDirectoryPath): DirectoryData {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  return {
    units: z.array(unitSchema).parse(read('units.json').units),
    organisations: z.array(organisationSchema).parse(read('organisations.json').organisations),
    liaisons: z.array(liaisonSchema).parse(read('liaisons.json').liaisons),
    enterprises: z.array(enterpriseSchema).parse(read('enterprises.json').enterprises),
  };
}

/**
 * Finds the current unit for a province as a submitter wrote it: a current or former
 * (before 1/7/2025) name, with or without "Tỉnh"/"Thành phố", accents optional, or a code.
 */
export class ProvinceResolver {
  private readonly byKey = new Map<string, { unit: Unit; former?: Unit['formerUnits'][number] }>();

  constructor(units: Unit[]) {
    for (const unit of units) {
      // former names first, so that a current name (the same unit) wins where they coincide
      for (const former of unit.formerUnits) {
        for (const key of keysOf(former.code, former.name, former.shortName)) this.byKey.set(key, { unit, former });
      }
      for (const key of keysOf(unit.code, unit.name, unit.shortName)) this.byKey.set(key, { unit });
    }
  }

  resolve(input: string): ProvinceRef | undefined {
    const hit = this.byKey.get(foldName(input)) ?? this.byKey.get(foldName(stripUnitWord(input)));
    if (!hit) return undefined;
    const filedAs = input.trim();
    const formerCode = hit.former && hit.former.code !== hit.unit.code ? hit.former.code : undefined;
    return { code: hit.unit.code, name: hit.unit.name, filedAs, ...(formerCode ? { formerCode } : {}) };
  }
}

function stripUnitWord(s: string): string {
  return s.replace(/^\s*(tỉnh|tinh|thành phố|thanh pho|tp\.?)\s+/i, '');
}

function keysOf(code: string, name: string, shortName: string): string[] {
  return [code, foldName(name), foldName(shortName), foldName(stripUnitWord(name))];
}

export * from './state';
export * from './follow';
