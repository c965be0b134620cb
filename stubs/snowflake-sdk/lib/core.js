"use strict";
// Dataform calls require("snowflake-sdk/lib/core")(options) once at start-up.
module.exports = function snowflakeCore() {
  return {
    configure() {},
    createConnection() {
      throw new Error("Snowflake is not supported by deftunes-lakehouse (snowflake-sdk is stubbed; see stubs/snowflake-sdk).");
    },
  };
};
