// Browser entry (the "browser" export condition): the same API as index.ts, with no Node module.
import { browserPlatform } from "./browser";
import { installPlatform } from "./platform";
import { registerWasmTrainingKernels } from "./register";

installPlatform(browserPlatform);
registerWasmTrainingKernels();

export * from "./api";
