/**
 * The command's own arguments. `pnpm --filter @ln/bench <script> -- --rounds 5` hands the "--" on, and
 * parseArgs would take every flag after it as a positional and run the defaults: the first "--" is dropped,
 * wherever it is (`pnpm bench:vs-pytorch -- --threads 2` puts it after the script's own --require-pytorch).
 */
export function benchArgs(): string[] {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--");
  return at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
}
