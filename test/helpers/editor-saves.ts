/**
 * The ways editors save a file, each as `replace(path, from, to)`: the file's text with `from` replaced by `to`,
 * written the way that editor writes it. Watcher tests run every one of them, several times over the same file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SaveStyle {
  readonly name: string;
  replace(path: string, from: string, to: string): Promise<void>;
  /** Names of temporary files this style makes beside the file (a watcher may report them too). */
  readonly temporary: RegExp;
}

async function replaced(path: string, from: string, to: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${path} does not contain "${from}"`);
  return text.replace(from, to);
}

/** Writes the file's bytes through a new descriptor, with the fsync editors do before they call a save done. */
async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const NOTHING = /^$/;

/** The vim binary on this machine, if any (Debian's vim-tiny installs only `vim.tiny`). */
export const VIM = ['vim', 'vim.basic', 'vim.tiny'].find((name) => {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

export const SAVE_STYLES: readonly SaveStyle[] = [
  {
    name: 'in-place write (truncate and write the same file)',
    replace: async (path, from, to) => writeFile(path, await replaced(path, from, to)),
    temporary: NOTHING,
  },
  {
    // GNU sed writes ./sedXXXXXX beside the file, then renames it over the file.
    name: 'sed -i (a temporary file renamed over the file)',
    replace: async (path, from, to) => {
      await run('sed', ['-i', `s/${from}/${to}/`, path]);
    },
    temporary: /^sed\w{6}$/,
  },
  {
    // What vim does with 'backupcopy=no' (traced with strace): the file is renamed to its backup, a new file is
    // written under the old name and synced, then the backup is removed.
    name: "vim's save (file renamed to file~, a new file written, the backup removed)",
    replace: async (path, from, to) => {
      const text = await replaced(path, from, to);
      await rename(path, `${path}~`);
      await writeSynced(path, text);
      await unlink(`${path}~`);
    },
    temporary: /~$/,
  },
  {
    // VS Code's atomic save writes `<file>.vsctmp` beside the file and moves it over the file.
    name: "VS Code's safe write (file.vsctmp written, then renamed over the file)",
    replace: async (path, from, to) => {
      await writeSynced(`${path}.vsctmp`, await replaced(path, from, to));
      await rename(`${path}.vsctmp`, path);
    },
    temporary: /\.vsctmp$/,
  },
];

/** The real vim, saving with 'backupcopy=no' ('backupskip' emptied: vim never renames files under /tmp). */
export const REAL_VIM: SaveStyle | undefined =
  VIM === undefined
    ? undefined
    : {
        name: `${VIM} -es with backupcopy=no`,
        replace: async (path, from, to) => {
          await run(VIM, [
            '-u',
            'NONE',
            '-i',
            'NONE',
            '-N',
            '-n',
            '-es',
            '-c',
            'set writebackup backupcopy=no backupskip=',
            '-c',
            `%s/${from}/${to}/`,
            '-c',
            'wq',
            path,
          ]);
        },
        temporary: /~$/,
      };
