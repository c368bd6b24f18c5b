import { CorralError } from '../../util/errors.js';
import { busyboxTemplate } from './busybox.js';
import { debianTemplate } from './debian.js';
import { downloadTemplate } from './download.js';
import { externalTemplate, findExternalTemplate } from './external.js';
import { localTemplate } from './local.js';
import { noneTemplate } from './none.js';
import { ociTemplate } from './oci.js';
import type { Template } from './types.js';

export type { Template, TemplateContext, TemplateResult } from './types.js';

export const BUILTIN_TEMPLATES: readonly Template[] = [busyboxTemplate, debianTemplate, downloadTemplate, noneTemplate, localTemplate, ociTemplate];

export function findTemplate(name: string): Template {
  const builtin = BUILTIN_TEMPLATES.find((t) => t.name === name);
  if (builtin) return builtin;
  const external = findExternalTemplate(name);
  if (external) return externalTemplate(external);
  throw new CorralError('NOT_FOUND', `no template "${name}"`, {
    hint: `built in: ${BUILTIN_TEMPLATES.map((t) => t.name).join(', ')}; or an executable path, or lxc-${name} in /usr/share/lxc/templates`,
  });
}
