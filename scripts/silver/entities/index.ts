import type { EntityName } from "../../land/layout.ts";
import { apiSessions } from "./api-sessions.ts";
import { apiUsers } from "./api-users.ts";
import { catalogSongs } from "./catalog-songs.ts";
import { sparkifyEvents } from "./sparkify-events.ts";
import { sparkifySongs } from "./sparkify-songs.ts";
import type { EntityParser } from "./types.ts";

export type { EntityParser, RecordContext, RecordFormat } from "./types.ts";

/** Every landed entity's parser, in the order the silver stage runs them. */
export const PARSERS: Record<EntityName, EntityParser> = {
  "catalog/songs": catalogSongs,
  "api/users": apiUsers,
  "api/sessions": apiSessions,
  "sparkify/songs": sparkifySongs,
  "sparkify/events": sparkifyEvents,
};
