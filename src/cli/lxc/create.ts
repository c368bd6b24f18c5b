import type { CommandSpec } from '../args.js';
import { printJson } from '../output.js';
import { COMMON_OPTIONS, endProgress, NAME_OPTION, nameFrom, progressPrinter, storeFor } from './common.js';

/** a note after a progress line on a terminal starts on a cleared line */
const endLine = () => (process.stderr.isTTY ? '\r\x1b[K' : '');

export const command: CommandSpec = {
  name: 'create',
  summary: 'create a container from a template (busybox, debian, download, oci, none, local, or an LXC template)',
  args: [{ name: 'name', description: 'container name (same as -n)', optional: true }],
  afterDashes: { name: 'template-args', description: 'arguments for the template' },
  options: [
    NAME_OPTION,
    { flags: '-t, --template <template>', description: 'busybox, debian, download, oci, none, local, a path, or an LXC template name' },
    { flags: '-f, --config <file>', description: 'config lines to include in the new container' },
    { flags: '--json', description: 'with -t download -- --list: the image list as JSON' },
    ...COMMON_OPTIONS,
  ],
  async run(args, o) {
    const templateArgs = args.templateArgs as string[];
    // `-t download -- --list` lists the server's images and creates nothing (no name needed)
    if (o.template === 'download' && templateArgs.some((a) => a === '--list' || a === '-l')) return listDownloadImages(templateArgs, o.json === true);
    const name = nameFrom(args, o);
    const store = await storeFor(o);
    const { createContainer } = await import('../../core/create.js');
    const { CorralError } = await import('../../util/errors.js');
    if (typeof o.template !== 'string') {
      throw new CorralError('INVALID_ARGUMENT', 'a template is required', { hint: 'e.g. -t busybox (templates: busybox, none, local, or /usr/share/lxc/templates/lxc-*)' });
    }
    const quiet = o.quiet === true;
    try {
      await createContainer(store, name, {
        template: o.template,
        templateArgs,
        configFile: typeof o.config === 'string' ? o.config : undefined,
        progress: progressPrinter(quiet),
        note: (m) => {
          if (!quiet) process.stderr.write(`${endLine()}note: ${m}\n`);
        },
      });
    } finally {
      endProgress(quiet);
    }
    if (!quiet) process.stdout.write(`Created container ${name} in ${store.lxcpath}\n`);
  },
};

async function listDownloadImages(templateArgs: string[], json: boolean): Promise<void> {
  const { listImages } = await import('../../core/templates/download.js');
  const { imageTable } = await import('../../core/templates/download-options.js');
  const { server, images } = await listImages(templateArgs);
  if (json) {
    printJson(images.map((b) => ({ dist: b.dist, release: b.release, arch: b.arch, variant: b.variant, build: b.build, root: b.root.name, size: b.root.size + b.meta.size })));
    return;
  }
  if (images.length === 0) process.stderr.write(`no container images on ${server} match\n`);
  else process.stdout.write(imageTable(images));
}
