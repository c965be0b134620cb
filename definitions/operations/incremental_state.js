// The state tables of the incremental models (includes/incremental_state.js), created empty when missing
// before the models run: they are declarations, so that a run that leaves a model out (e.g. --tags sparkify
// on a new warehouse) still finds every input of the models it must rebuild. The models create and fill
// them too (a run of one model alone needs no setup).

operate("incremental_state_tables", (ctx) => [
  incremental_state.createSchema(),
  ...Object.keys(incremental_state.TABLES).map((name) => incremental_state.createIfMissing(ctx.ref(incremental_state.target(name)), name)),
])
  .tags(["gold", "sparkify"])
  .description("Creates the incremental models' state tables (gold_internal.*__seen_*, *__scope) when missing.");
