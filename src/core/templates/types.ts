// What every template gets and returns. Templates build a rootfs and contribute config
// lines; the caller writes the config and cleans up if the template fails.

export interface TemplateContext {
  name: string;
  /** the container directory, <lxcpath>/<name> */
  path: string;
  rootfs: string;
  /** arguments given after `--` to lxc-create */
  args: string[];
  progress(message: string): void;
}

export interface TemplateResult {
  /** config lines the template adds after the global defaults */
  config: string[];
}

export interface Template {
  name: string;
  description: string;
  run(ctx: TemplateContext): Promise<TemplateResult>;
}
