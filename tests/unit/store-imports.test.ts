import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Imports go from an upper layer to a lower one (ARCHITECTURE.md): a store may be used by the
 * domain, never the other way round. These checks follow every relative import of every module
 * under `services/<name>/src/store/`, and of the modules those import, and fail when one reaches
 * `domain/`, `http/` or `routes/`: a type the store shares with the domain belongs below both
 * (`services/api/src/types/`).
 */

const root = resolve(import.meta.dirname, '../..');

/** The layers above the store, as the first folder under a service's `src/`. */
const UPPER_LAYERS = new Set(['domain', 'http', 'routes']);

/** Reads a module's source; undefined when there is no such file. */
type ReadSource = (file: string) => string | undefined;

/** The relative specifiers of a module: imports, `import type`, re-exports and `import()`. */
function relativeSpecifiers(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'));
}

/** The `src/` folder of the service a module belongs to, and the layer (first folder) in it. */
function placeOf(file: string): { src: string; layer: string } | null {
  const match = /^(.*[\\/]services[\\/][\w-]+[\\/]src)[\\/](.+)$/.exec(file);
  if (!match?.[1] || !match[2]) return null;
  const [first, ...rest] = match[2].split(/[\\/]/);
  return { src: match[1], layer: rest.length > 0 ? (first ?? '') : '' };
}

/**
 * Every path, as `a.ts -> b.ts -> domain/c.ts`, by which one of `stores` reaches a module of an
 * upper layer, and every relative import that names no file. Prisma's generated client is not
 * followed: it is generated from the schema and imports nothing of ours (and may not exist yet).
 */
function upwardImports(stores: readonly string[], read: ReadSource): string[] {
  const problems: string[] = [];
  for (const store of stores) {
    const chainTo = new Map<string, string[]>([[store, [store]]]);
    const queue = [store];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const chain = chainTo.get(file) ?? [file];
      const source = read(file);
      if (source === undefined) {
        problems.push(`${shown(chain)}: no such file`);
        continue;
      }
      for (const specifier of relativeSpecifiers(source)) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        const place = placeOf(target);
        if (chainTo.has(target) || place?.layer === 'generated') continue;
        const next = [...chain, target];
        if (place && UPPER_LAYERS.has(place.layer)) {
          problems.push(shown(next));
          continue;
        }
        chainTo.set(target, next);
        queue.push(target);
      }
    }
  }
  return problems;
}

/** A chain of imports, relative to the repository. */
const shown = (chain: readonly string[]) => chain.map((file) => relative(root, file)).join(' -> ');

/** Every `.ts` module under `services/<name>/src/store/`, at any depth. */
function storeModules(): string[] {
  const services = resolve(root, 'services');
  return readdirSync(services).flatMap((service) => {
    const store = join(services, service, 'src', 'store');
    if (!existsSync(store)) return [];
    return readdirSync(store, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(store, file));
  });
}

const readFromDisk: ReadSource = (file) =>
  existsSync(file) ? readFileSync(file, 'utf8') : undefined;

describe('store modules', () => {
  it('are found in both services', () => {
    const services = new Set(storeModules().map((file) => relative(root, file).split(sep)[1]));
    expect([...services].sort()).toEqual(['api', 'auth']);
  });

  it('import no domain, http or routes module, directly or through another module', () => {
    expect(upwardImports(storeModules(), readFromDisk)).toEqual([]);
  });

  it('reads every kind of import the checks need (the checks can fail)', () => {
    expect(
      relativeSpecifiers(`
        import type { A } from '../domain/a.js';
        import { B } from './b.js';
        export { C } from "../http/c.js";
        export * from '../routes/d.js';
        const e = await import('./e.js');
        import { z } from 'zod';
        import '@shardgate/shared';
      `),
    ).toEqual(['../domain/a.js', './b.js', '../http/c.js', '../routes/d.js', './e.js']);
  });

  it('are refused when they reach the domain, even through a module of another layer', () => {
    const src = resolve(root, 'services/api/src');
    const files: Record<string, string> = {
      // what orders-store.ts imported before the types module existed
      [`${src}/store/orders-store.ts`]: `
        import type { OrderCursor } from '../domain/order-cursor.js';
        import { Prisma } from '../generated/prisma/client.js';
        import type { ShardDatabase } from './shard-database.js';`,
      [`${src}/store/shard-database.ts`]: `import type { ShardUrls } from '../config.js';`,
      [`${src}/config.ts`]: `import { rule } from './domain/rules.js';`,
    };
    expect(upwardImports([`${src}/store/orders-store.ts`], (file) => files[file])).toEqual([
      'services/api/src/store/orders-store.ts -> services/api/src/domain/order-cursor.ts',
      'services/api/src/store/orders-store.ts -> services/api/src/store/shard-database.ts -> services/api/src/config.ts -> services/api/src/domain/rules.ts',
    ]);
  });

  it('are refused when a relative import names no file', () => {
    const store = resolve(root, 'services/api/src/store/x-store.ts');
    const read: ReadSource = (file) => (file === store ? `import './gone.js';` : undefined);
    expect(upwardImports([store], read)).toEqual([
      'services/api/src/store/x-store.ts -> services/api/src/store/gone.ts: no such file',
    ]);
  });
});
