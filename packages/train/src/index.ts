// Node entry: the shared API, with the Node platform installed on import (see node-setup.ts).
import "./node-setup";

export * from "./api";
