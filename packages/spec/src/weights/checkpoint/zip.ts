import { type UnzipFileInfo, unzipSync } from 'fflate';
import { ResblocksError } from '../../errors.js';

/**
 * The records of a `torch.save` zip archive (format of PyTorch 1.6 and later): one top-level
 * folder holding data.pkl, data/<key> per storage and, since 2.0, byteorder. Read with fflate;
 * the entry list is checked in fflate's filter before anything is extracted, so a hostile
 * central directory cannot make it copy or inflate more than the limits below.
 */

/** Entries in the archive (a resnet152 checkpoint has about 1,000). */
export const MAX_ZIP_ENTRIES = 1_000_000;
/** Total bytes inflated from compressed entries (torch.save stores its entries uncompressed). */
export const MAX_INFLATED_BYTES = 2 ** 31;
/** Deflate cannot expand data by more than this factor; a larger claim is a lie. */
const MAX_DEFLATE_RATIO = 1032;

export interface TorchArchive {
  /** The top-level folder name (the file's stem, or 'archive'). */
  readonly prefix: string;
  readonly pickle: Uint8Array;
  /** Storage records by key (data/<key>). */
  readonly storages: ReadonlyMap<string, Uint8Array>;
  readonly byteorder: 'little' | 'big';
}

const RECORD = /^([^/]+)\/(data\.pkl|byteorder|data\/\d+)$/;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ResblocksError('CHECKPOINT_FORMAT', `invalid PyTorch checkpoint: ${message}`, details);
}

export function readTorchArchive(file: Uint8Array): TorchArchive {
  const sizes = new Map<string, number>();
  const names: string[] = [];
  let entries = 0;
  let stored = 0;
  let inflated = 0;
  let torchscript = false;
  const wanted = (f: UnzipFileInfo): boolean => {
    // A central directory record takes at least 46 bytes: a count the file cannot hold is a lie,
    // refused before fflate decodes that many names from whatever bytes follow.
    if (++entries > Math.min(MAX_ZIP_ENTRIES, file.byteLength / 46))
      fail(`the zip archive lists more entries than its ${file.byteLength} bytes can hold`);
    if (names.length < 20) names.push(f.name);
    if (/^[^/]+\/(constants\.pkl|code\/)/.test(f.name)) torchscript = true;
    if (!RECORD.test(f.name)) return false;
    if (sizes.has(f.name)) fail(`the zip archive holds '${f.name}' twice`, { entry: f.name });
    if (f.compression === 0) {
      if (f.size !== f.originalSize)
        fail(`stored entry '${f.name}' has size ${f.size} but original size ${f.originalSize}`);
      // Entries cannot share bytes: together they fit in the file.
      stored += f.size;
      if (stored > file.byteLength)
        fail(`the zip entries claim more bytes than the ${file.byteLength}-byte file holds`);
    } else if (f.compression === 8) {
      if (f.originalSize > f.size * MAX_DEFLATE_RATIO + 1024)
        fail(`entry '${f.name}' claims ${f.originalSize} bytes from ${f.size} compressed bytes`);
      inflated += f.originalSize;
      if (inflated > MAX_INFLATED_BYTES)
        fail(`compressed entries would inflate past the ${MAX_INFLATED_BYTES}-byte limit`);
    } else {
      fail(`entry '${f.name}' uses zip compression method ${f.compression} (stored or deflate expected)`);
    }
    sizes.set(f.name, f.originalSize);
    return true;
  };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(file, { filter: wanted });
  } catch (e) {
    if (e instanceof ResblocksError) throw e;
    fail(`not a readable zip archive, the file may be truncated (${(e as Error).message})`);
  }
  if (torchscript)
    fail('this is a TorchScript archive (torch.jit.save), not a state_dict; save model.state_dict() instead');
  const prefixes = new Set([...sizes.keys()].map((n) => n.slice(0, n.indexOf('/'))));
  if (prefixes.size === 0) {
    fail(`the zip archive has no <folder>/data.pkl (entries: ${names.slice(0, 5).join(', ') || 'none'})`);
  }
  if (prefixes.size > 1)
    fail(`the zip archive has records under several folders: ${[...prefixes].slice(0, 5).join(', ')}`);
  const prefix = [...prefixes][0]!;
  const storages = new Map<string, Uint8Array>();
  let pickle: Uint8Array | undefined;
  let byteorder: 'little' | 'big' = 'little';
  for (const [name, size] of sizes) {
    const bytes = Object.hasOwn(files, name) ? files[name]! : new Uint8Array(0);
    if (bytes.byteLength !== size)
      fail(
        `entry '${name}' holds ${bytes.byteLength} of its ${size} bytes (truncated or corrupted archive)`,
        {
          entry: name,
        },
      );
    const record = name.slice(prefix.length + 1);
    if (record === 'data.pkl') pickle = bytes;
    else if (record === 'byteorder') {
      const text = new TextDecoder().decode(bytes);
      if (text !== 'little' && text !== 'big') fail(`byteorder record is '${text.slice(0, 20)}'`);
      byteorder = text;
    } else storages.set(record.slice('data/'.length), bytes);
  }
  if (!pickle) fail(`the zip archive has no ${prefix}/data.pkl`);
  return { prefix, pickle, storages, byteorder };
}
