/**
 * The command's own arguments. `pnpm --filter @ln/bench <script> -- --rounds 5` hands the "--" on, and
 * parseArgs would take every flag after it as a positional and run the defaults: the "--" is dropped.
 */
export function benchArgs(): string[] {
  const argv = process.argv.slice(2);
  return argv[0] === "--" ? argv.slice(1) : argv;
}
