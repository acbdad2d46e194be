/**
 * Packages the built app folder as `zcli apps:package` does: a zip with manifest.json, translations/ and
 * assets/ at its root (zendesk/zcli, packages/zcli-apps/src/lib/package.ts zips the app directory's
 * contents, not the directory). Entries carry a fixed date so that the same build gives the same zip.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import JSZip from 'jszip';
import type { PackageFiles } from './validate.js';

const fixedDate = new Date('2020-01-01T00:00:00Z');

export async function readAppFolder(appDirectory: string): Promise<PackageFiles> {
  const files: PackageFiles = new Map();
  for (const entry of await readdir(appDirectory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(appDirectory, path).split(sep).join('/'), await readFile(path));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

export async function zipApp(files: PackageFiles): Promise<Buffer> {
  const zip = new JSZip();
  for (const [path, bytes] of files) zip.file(path, bytes, { date: fixedDate, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

export async function unzipApp(zipBytes: Uint8Array): Promise<PackageFiles> {
  const zip = await JSZip.loadAsync(zipBytes);
  const files: PackageFiles = new Map();
  for (const entry of Object.values(zip.files)) {
    if (!entry.dir) files.set(entry.name, await entry.async('uint8array'));
  }
  return files;
}
