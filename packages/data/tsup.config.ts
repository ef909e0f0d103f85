export default (await import("../../tooling/tsup.base")).packageConfig();
