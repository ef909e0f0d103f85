// Browser set-up, imported first by the browser entry (index.browser.ts): installs the browser platform
// (no files, errors name the browser's alternative; data-parallel workers are Web Workers) and @ln/wasm's
// browser entry.
import "@ln/wasm";
import { startWebWorkers } from "./data-parallel/web-workers";
import { browserPlatform, installPlatform } from "./internal/platform";

installPlatform({ ...browserPlatform, startShardWorkers: startWebWorkers });
