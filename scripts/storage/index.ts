export type { Storage, ObjectInfo, Body } from "./types.ts";
export { StorageError, checkKey } from "./types.ts";
export { LocalStorage } from "./local.ts";
